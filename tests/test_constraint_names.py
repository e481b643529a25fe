"""The names the server gives unnamed constraints, predicted for the rollback rule (issue 22: ``ADD PRIMARY KEY``
creates ``<table>_pkey``, and a rollback that drops it undoes its own bundle). Each prediction is compared with
the name the server actually chose."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
from pglast import ast, parse_sql

from pgwarden.parsing.constraint_names import default_name
from tests._apply_helpers import B, write_package
from tests.conftest import run_cli

LONG = "a_table_whose_name_is_long_enough_to_be_cut_by_the_server_xx"
STATEMENTS = [
    "CREATE TABLE public.p (id int PRIMARY KEY)",
    "CREATE TABLE public.t (a int, b int, k int UNIQUE CHECK (k > 0) REFERENCES public.p (id), "
    "UNIQUE (a, b), CHECK (a > b), CHECK (true), FOREIGN KEY (a) REFERENCES public.p (id), "
    "EXCLUDE USING btree (b WITH =))",
    "ALTER TABLE public.t ADD PRIMARY KEY (a)",
    "ALTER TABLE public.t ADD CHECK (b < 10)",
    f"CREATE TABLE public.{LONG} (a_column_whose_name_is_also_quite_long_for_a_key int UNIQUE)",
]


def _predicted(sql: str) -> list[str]:
    out: list[str] = []
    for raw in parse_sql(sql):
        n: Any = raw.stmt  # pglast's nodes type every field as optional: no narrowing below
        create, alter = isinstance(n, ast.CreateStmt), isinstance(n, ast.AlterTableStmt)
        if create:
            for elt in n.tableElts:
                cons = (
                    [(c, elt.colname) for c in elt.constraints or ()]
                    if isinstance(elt, ast.ColumnDef)
                    else [(elt, None)]
                )
                for con, column in cons:
                    name = default_name(n.relation.relname, con, column)
                    if name and getattr(con.contype, "name", "") != "CONSTR_NOTNULL":
                        out.append(name)
        elif alter:
            for cmd in n.cmds:
                name = default_name(n.relation.relname, cmd.def_)
                assert name is not None
                out.append(name)
    return out


def test_each_unnamed_constraint_gets_the_name_the_server_gives_it(fresh_db: str) -> None:
    predicted = [name for sql in STATEMENTS for name in _predicted(sql)]
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for sql in STATEMENTS:
            conn.execute(sql)
        actual = {
            r[0]
            for r in conn.execute(
                "SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype <> 'n'"
            )
        }
    # two table CHECKs that read no single column both want t_check: the server numbers the second (t_check1),
    # which the rule accepts as the name followed by digits; every other name is exactly the predicted one
    assert "t_check1" in actual
    assert len(predicted) == 12 and sorted(predicted) == sorted(a.rstrip("0123456789") for a in actual)
    assert {"t_pkey", "t_a_b_key", "t_check", "t_k_fkey", "t_b_excl", "t_k_check"} <= actual


def test_a_rollback_that_drops_what_its_bundle_left_unnamed_is_in_scope(tmp_path: Path) -> None:
    """The trial's false finding, gone; a name the bundle did not create is still out of scope."""
    apply = "ALTER TABLE public.t ADD PRIMARY KEY (id);\nALTER TABLE public.t ADD UNIQUE (id);\n"
    bundles = [
        B("1", "CREATE TABLE public.t (id int);\n", "DROP TABLE public.t;\n"),
        B("2", apply, "ALTER TABLE public.t DROP CONSTRAINT t_id_key;\nALTER TABLE public.t DROP CONSTRAINT t_pkey;\n"),
    ]
    pkg = write_package(tmp_path / "ok", bundles)
    assert run_cli("lock", str(pkg)).returncode == 0
    r = run_cli("check", str(pkg), "--no-kit", "--format", "gcc")
    assert r.returncode == 0, r.stdout
    bundles[1] = B("2", apply, "ALTER TABLE public.t DROP CONSTRAINT t_other_key;\n")
    pkg = write_package(tmp_path / "bad", bundles)
    assert run_cli("lock", str(pkg)).returncode == 0
    r = run_cli("check", str(pkg), "--no-kit", "--format", "gcc")
    assert r.returncode == 1 and "rollback.scope" in r.stdout and "t_other_key" in r.stdout
