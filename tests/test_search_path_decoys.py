"""A database owner who is not a superuser plants a twin of every function, aggregate, operator, type and catalog
relation pgwarden's own SQL names (the list is read from pgwarden's source, not written here) in ``public``, and
puts ``public`` before ``pg_catalog`` in the database's search_path. Then every command that connects runs, as the
superuser, over a package that exercises settings, data checks, rollback-only probes, ``[verify]``, a failure and
its rollback, a rehearsal with data, a backup and its verification: no twin may run, and each command still
does its job."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests._decoys import hits, names_in_code, plant
from tests.conftest import Server, named_db, run_cli

OWNER = "decoy_owner"


def _write(root: Path, name: str, bundles: dict[str, tuple[str, str]], extra: str = "") -> Path:
    root.mkdir(parents=True)
    toml = [f'[package]\nname = "{name}"\n\n[settings]\nlock_timeout = "5s"\n\n[policy]\ndata_checks = true\n']
    for bid, (apply_sql, rollback_sql) in bundles.items():
        (root / f"{bid}.sql").write_text(apply_sql)
        (root / f"{bid}.rollback.sql").write_text(rollback_sql)
        toml.append(
            f'[[bundle]]\nid = "{bid}"\ntitle = "bundle {bid}"\napply = "{bid}.sql"\n'
            f'rollback = "{bid}.rollback.sql"\n\n'
        )
    (root / "pgwarden.toml").write_text("".join(toml) + extra)
    r = run_cli("lock", str(root))
    assert r.returncode == 0, r.stderr
    return root


# The package's own SQL names nothing through the search_path either (pg_catalog.text; keywords such as int and
# numeric are pg_catalog's by grammar), so that a twin that runs can only have been called by pgwarden.
ITEM = (
    "CREATE TABLE public.item (id int PRIMARY KEY, sku pg_catalog.text, price numeric(10,2));\n"
    "INSERT INTO public.item (id, sku, price) VALUES (1, 'a', 1.00), (2, 'b', 2.00);\n",
    "DROP TABLE public.item;\n",
)
CONSTRAIN = (
    "ALTER TABLE public.item ALTER COLUMN sku SET NOT NULL;\n"
    "CREATE UNIQUE INDEX item_sku ON public.item (sku);\n"
    "ALTER TABLE public.item ADD CONSTRAINT price_positive CHECK (price OPERATOR(pg_catalog.>) 0);\n",
    "ALTER TABLE public.item DROP CONSTRAINT price_positive;\nDROP INDEX public.item_sku;\n"
    "ALTER TABLE public.item ALTER COLUMN sku DROP NOT NULL;\n",
)
PROBES_AND_VERIFY = """
[[probe]]
name = "sku is required"
after = "B"
sql = "INSERT INTO public.item (id, sku, price) VALUES (3, NULL, 1)"
expect_error = "23502"

[verify]
tables = ["public.item"]

[[verify.count]]
table = "public.item"
where = "sku IS NOT NULL"
equals = 2

[[verify.value]]
name = "top sku"
sql = "SELECT pg_catalog.max(sku) FROM public.item"
equals = "b"
"""


@pytest.fixture
def hostile_db(pg_server: Server) -> Iterator[tuple[str, str]]:
    """A database owned by a role that is not a superuser, with a twin of everything pgwarden names."""
    name = f"decoys_{os.getpid()}"
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {OWNER}; CREATE ROLE {OWNER} LOGIN")
    with named_db(pg_server, name) as dsn:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" OWNER TO {OWNER}')
            conn.execute(f"ALTER SCHEMA public OWNER TO {OWNER}")  # PostgreSQL 15+: pg_database_owner already
        planted = plant(dsn, pg_server.instance.dsn(name, user=OWNER), name, names_in_code())
        # the list comes from the code: what the trial found exploited must be among it
        assert any(p.startswith("function pg_try_advisory_lock(") for p in planted.functions), planted.functions
        assert any(p.startswith("function set_config(") for p in planted.functions)
        assert any(p.startswith("aggregate count(") for p in planted.aggregates)
        assert any(p.startswith("operator =(") for p in planted.operators)
        assert "relation pg_class" in planted.relations and "type text" in planted.types
        yield dsn, name
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {OWNER}")


def test_no_decoy_runs_whatever_pgwarden_does(hostile_db: tuple[str, str], pg_server: Server, tmp_path: Path) -> None:
    dsn, name = hostile_db
    assert pg_server.instance.root is not None
    log = pg_server.instance.root / "server.log"
    offset = log.stat().st_size
    pkg = _write(tmp_path / "pkg", "decoys", {"A": ITEM, "B": CONSTRAIN}, PROBES_AND_VERIFY)
    other = _write(
        tmp_path / "other", "other", {"C": ("CREATE TABLE public.other (id int);\n", "DROP TABLE public.other;\n")}
    )
    failing = _write(
        tmp_path / "failing",
        "failing",
        {
            "D": ("CREATE TABLE public.d (id int);\n", "DROP TABLE public.d;\n"),
            "E": ("DO $$ BEGIN RAISE EXCEPTION 'E fails on purpose'; END $$;\n", "SELECT 1;\n"),
        },
    )
    out = tmp_path / "kits"

    def run(expect: int, *args: str) -> str:
        kit = (
            ()
            if args[0] in ("status", "identity")
            else ("--out", str(out / f"{args[0]}-{len(list(out.glob('*')) if out.exists() else [])}"))
        )
        r = run_cli(*args, *kit)
        assert r.returncode == expect, (args, r.stdout[-3000:], r.stderr[-3000:], hits(log, offset, name))
        return r.stdout + r.stderr

    run(0, "check", str(pkg), "--dsn", dsn)
    run(0, "apply", str(pkg), "--dsn", dsn)  # backup, rehearsal on a clone, probes, [verify], ledger
    run(0, "status", "--dsn", dsn)
    run(2, "resolve", str(pkg), "A", "--absent", "--dsn", dsn)  # A is applied, not in_doubt: refused
    run(0, "rehearse", str(other), "--dsn", dsn, "--data")
    said = run(1, "apply", str(failing), "--dsn", dsn, "--no-rehearse")
    assert "E fails on purpose" in said
    run(0, "probe", "--dsn", dsn, "--rows", "exact", "--query", "skus=SELECT pg_catalog.count(*) FROM public.item")
    run(0, "identity", "--dsn", dsn)
    backup = out / "backup"
    r = run_cli("backup", "--dsn", dsn, "--out", str(backup), "--json")
    assert r.returncode == 0, r.stderr
    dump = next(p for p in backup.rglob("*.dump"))
    run(0, "verify-backup", str(dump), "--dsn", dsn)
    run(0, "apply", str(pkg), "--dsn", dsn)  # nothing to do
    assert hits(log, offset, name) == []
    with psycopg.connect(dsn, options="-c search_path=pg_catalog") as conn:  # and the work was done
        assert conn.execute("SELECT count(*) FROM public.item").fetchone() == (2,)
        assert conn.execute("SELECT to_regclass('public.d')").fetchone() == (None,)  # rolled back
        owner = conn.execute("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'pgwarden'").fetchone()
    assert owner == ("postgres",)
