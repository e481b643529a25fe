"""A table's owner can make the planner run its code: naming the table in a query folds the constant parts of its
indexes' expressions and predicates, statistics objects and CHECK constraints with the querying role's privileges.
A role that owns the application's tables (not a superuser) gives one a partial index ``WHERE evil()``; pgwarden,
as the superuser, must never plan a query of that table: row counts are read with COPY, data checks on it are not
judged, and user SQL that reads it is refused, each naming the function and its owner."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests._apply_helpers import B, write_package
from tests._decoys import MARK, hits
from tests.conftest import Server, result_of, run_cli

OWNER = "planned_owner"


@pytest.fixture
def owned_db(pg_server: Server, fresh_db: str) -> Iterator[tuple[str, str]]:
    name = str(psycopg.conninfo.conninfo_to_dict(fresh_db)["dbname"])
    role = f"{OWNER}_{os.getpid()}"
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN")
        conn.execute(f'ALTER DATABASE "{name}" OWNER TO {role}')
    with psycopg.connect(pg_server.instance.dsn(name, user=role), autocommit=True) as conn:
        conn.execute(f"""
            CREATE FUNCTION public.evil() RETURNS boolean LANGUAGE plpgsql IMMUTABLE
            SET search_path = pg_catalog AS $f$
            BEGIN RAISE LOG '{MARK} evil() as % %', current_user, current_database(); RETURN true; END $f$;
            CREATE TABLE public.ledgerish (id int PRIMARY KEY, note text);
            INSERT INTO public.ledgerish SELECT g, 'n' || g FROM generate_series(1, 25) g;
            CREATE INDEX ledgerish_trap ON public.ledgerish (id) WHERE public.evil();
            CREATE TABLE public.parent (id int);
            CREATE TABLE public.child (CHECK (public.evil())) INHERITS (public.parent);
            INSERT INTO public.parent VALUES (1), (2);
            INSERT INTO public.child VALUES (3), (4), (5);
            CREATE TABLE public.plain (id int);
            INSERT INTO public.plain VALUES (1);
        """)
    yield fresh_db, name
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(f"REASSIGN OWNED BY {role} TO postgres; DROP OWNED BY {role}")
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")


def _log(pg_server: Server) -> Path:
    assert pg_server.instance.root is not None
    return pg_server.instance.root / "server.log"


def test_row_counts_never_plan_another_roles_code(owned_db: tuple[str, str], pg_server: Server, tmp_path: Path) -> None:
    dsn, name = owned_db
    log = _log(pg_server)
    offset = log.stat().st_size
    r = run_cli("probe", "--dsn", dsn, "--rows", "exact", "--out", str(tmp_path / "p"), "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(Path(result_of(r)["fingerprint"]).read_text())["rows"]
    assert rows["public.ledgerish"] == 25 and rows["public.parent"] == 5 and rows["public.child"] == 3
    assert rows["public.plain"] == 1
    b = run_cli("backup", "--dsn", dsn, "--out", str(tmp_path / "b"), "--json")  # the source record counts too
    assert b.returncode == 0, b.stderr
    source = json.loads((tmp_path / "b" / "probes" / "source.json").read_text())
    assert source["rows"]["public.ledgerish"] == 25 and source["rows"]["public.parent"] == 5
    assert hits(log, offset, name) == []


def test_user_sql_and_data_checks_that_would_plan_it_are_refused(
    owned_db: tuple[str, str], pg_server: Server, tmp_path: Path
) -> None:
    dsn, name = owned_db
    log = _log(pg_server)
    offset = log.stat().st_size
    q = run_cli(
        "probe",
        "--dsn",
        dsn,
        "--query",
        "n=SELECT pg_catalog.count(*) FROM public.ledgerish",
        "--out",
        str(tmp_path / "q"),
    )
    assert q.returncode == 2, q.stderr
    assert (
        "reads public.ledgerish, whose index public.ledgerish_trap calls public.evil(), owned by "
        f"{OWNER}_{os.getpid()}" in q.stderr
    )
    verify = '[[verify.count]]\ntable = "public.parent"\nwhere = "id > 0"\nequals = 5\n'
    pkg = write_package(
        tmp_path / "p",
        [
            B(
                "A",
                "ALTER TABLE public.ledgerish ALTER COLUMN note SET NOT NULL;",
                "ALTER TABLE public.ledgerish ALTER COLUMN note DROP NOT NULL;",
            )
        ],
        verify=verify,
    )
    c = run_cli("check", str(pkg), "--dsn", dsn, "--data-checks", "--out", str(tmp_path / "c"))
    assert c.returncode == 0, c.stdout + c.stderr  # not judged is not a refusal
    summary = (tmp_path / "c" / "SUMMARY.md").read_text()
    assert (
        "| not judged | not judged: named query 'data check 1 of A.sql:1' reads public.ledgerish, whose index "
        "public.ledgerish_trap calls public.evil()" in summary
    ), summary
    a = run_cli("apply", str(pkg), "--dsn", dsn, "--out", str(tmp_path / "a"), "--no-rehearse")
    assert (
        a.returncode == 2
        and "reads public.parent, whose constraint child_check of public.child calls public.evil()" in a.stderr
    ), a.stderr  # through its inheritance child
    assert hits(log, offset, name) == []
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute(
            "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'public.ledgerish'::regclass AND attname = 'note'"
        ).fetchone() == (False,)
