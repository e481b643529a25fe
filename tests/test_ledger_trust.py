"""The ledger is trusted only when pgwarden made it, and its rows only when their digests hold.

The attacker is a real role that owns the application's database and is not a superuser; pgwarden runs as the
superuser. A schema named ``pgwarden`` that this role planted before the first apply, or anything in the schema
that pgwarden's ledger DDL does not make, is refused (exit 3) naming the object and its owner, before anything
in it runs. A ledger row whose bundle does not match the package, a package reusing another's name, a role
without rights on the ledger and a ledger dropped during a run each end in one clear line, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pgwarden import shipped_sql
from pgwarden.ledger import ledger
from tests._apply_helpers import B, Holder, ledger_states, start_apply, wait_for, waiting_on, write_package
from tests.conftest import Server, result_of, run_cli

APP = "ledger_app"


def _apply(pkg: Path, dsn: str, out: Path, *more: str) -> str:
    r = run_cli("apply", str(pkg), "--dsn", dsn, "--out", str(out), "--no-rehearse", *more)
    return f"{r.returncode}\n{r.stdout}{r.stderr}"


@pytest.fixture
def app_db(pg_server: Server, fresh_db: str) -> Iterator[tuple[str, str]]:
    """``fresh_db`` owned by a role that is not a superuser; returns (superuser DSN, owner DSN)."""
    name = psycopg.conninfo.conninfo_to_dict(fresh_db)["dbname"]
    role = f"{APP}_{os.getpid()}"
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN")
        conn.execute(f'ALTER DATABASE "{name}" OWNER TO {role}')
    yield fresh_db, pg_server.instance.dsn(str(name), user=role)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(f"REASSIGN OWNED BY {role} TO postgres; DROP OWNED BY {role}")
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")


def _is_superuser(dsn: str, role_dsn: str) -> bool:
    role = psycopg.conninfo.conninfo_to_dict(role_dsn)["user"]
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    return bool(row and row[0])


def test_a_pgwarden_schema_planted_by_the_database_owner_is_refused(app_db: tuple[str, str], tmp_path: Path) -> None:
    dsn, app = app_db
    role = psycopg.conninfo.conninfo_to_dict(app)["user"]
    with psycopg.connect(app, autocommit=True) as conn:  # the trial's trojan: a ledger that makes its owner superuser
        conn.execute(
            shipped_sql.load("pgwarden.ledger", "ledger_v1.sql")
            .replace(
                "SELECT encode(",
                f"SELECT pg_catalog.set_config('x.y', 'z', false); ALTER ROLE {role} SUPERUSER; SELECT encode(",
            )
            .replace("LANGUAGE sql IMMUTABLE", "LANGUAGE sql VOLATILE")
        )
        conn.execute("INSERT INTO pgwarden.ledger_version (version, installed_by) VALUES (1, 'planted')")
    pkg = write_package(tmp_path / "p", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    for argv in (
        ["status", "--dsn", dsn],
        ["apply", str(pkg), "--dsn", dsn, "--out", str(tmp_path / "k"), "--no-rehearse"],
        ["resolve", str(pkg), "A", "--absent", "--dsn", dsn, "--out", str(tmp_path / "r")],
    ):
        r = run_cli(*argv)
        assert r.returncode == 3, (argv, r.stdout, r.stderr)
        assert "the pgwarden ledger in this database is not trusted" in r.stderr
        assert f"owned by {role}: not pgwarden's role or a superuser" in r.stderr
        assert "Traceback" not in r.stderr
    assert not _is_superuser(dsn, app), "the planted function ran as the superuser"
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('public.a')").fetchone() == (None,)


def test_an_object_nobody_expected_in_the_ledger_is_refused(fresh_db: str, tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "p", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    assert _apply(pkg, fresh_db, tmp_path / "k1").startswith("0\n")
    planted = [  # (what the refusal names, how it was made, how to take it away again)
        (
            "trigger pgwarden.bundle_attempt.audit",
            "CREATE FUNCTION public.audit() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RETURN NEW; END $$; CREATE TRIGGER audit BEFORE UPDATE ON pgwarden.bundle_attempt "
            "FOR EACH ROW EXECUTE FUNCTION public.audit()",
            "DROP TRIGGER audit ON pgwarden.bundle_attempt",
        ),
        ("view pgwarden.latest", "CREATE VIEW pgwarden.latest AS SELECT 1 AS x", "DROP VIEW pgwarden.latest"),
        (
            "function pgwarden.helper",
            "CREATE FUNCTION pgwarden.helper() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            "DROP FUNCTION pgwarden.helper()",
        ),
        (
            "rule pgwarden.run.keep",
            "CREATE RULE keep AS ON DELETE TO pgwarden.run DO INSTEAD NOTHING",
            "DROP RULE keep ON pgwarden.run",
        ),
    ]
    for label, make, undo in planted:
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            conn.execute(make)
        r = run_cli("status", "--dsn", fresh_db)
        assert r.returncode == 3 and f"{label}, owned by postgres: not part of pgwarden's ledger" in r.stderr, (
            label,
            r.stderr,
        )
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            conn.execute(undo)
    assert run_cli("status", "--dsn", fresh_db).returncode == 0


def test_a_version_1_ledger_is_read_and_upgraded(fresh_db: str, tmp_path: Path) -> None:
    """Version 1 sealed its rows with a function in the database; version 2 checks the same digests itself."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(shipped_sql.load("pgwarden.ledger", "ledger_v1.sql"))
        conn.execute("INSERT INTO pgwarden.ledger_version (version, installed_by) VALUES (1, 'pgwarden 0.1.0')")
        conn.execute(
            "INSERT INTO pgwarden.bundle_attempt (package, package_hash, bundle, bundle_order, bundle_sha256, "
            "state, started_at, finished_at, db_role, os_user, pgwarden_version, run_id, row_sha256) "
            "VALUES ('old', 'h', 'X', 1, 's', 'applied', now(), now(), 'postgres', 'root', '0.1.0', 'r', '')"
        )
        conn.execute("UPDATE pgwarden.bundle_attempt a SET row_sha256 = pgwarden.attempt_digest(a)")
    r = run_cli("status", "--dsn", fresh_db, "--json")
    assert r.returncode == 0, r.stderr
    assert result_of(r)["ledger_version"] == 1 and result_of(r)["packages"][0]["package"] == "old"
    pkg = write_package(tmp_path / "p", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    assert _apply(pkg, fresh_db, tmp_path / "k").startswith("0\n")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        assert conn.execute("SELECT max(version) FROM pgwarden.ledger_version").fetchone() == (ledger.LEDGER_VERSION,)
        assert conn.execute(
            "SELECT to_regprocedure('pgwarden.attempt_digest(pgwarden.bundle_attempt)')"
        ).fetchone() == (None,)
    assert ledger_states(fresh_db, "old") == {"X": "applied"} and ledger_states(fresh_db) == {"A": "applied"}


def test_a_row_whose_bundle_hash_does_not_match_is_refused(fresh_db: str, tmp_path: Path) -> None:
    """A row that says bundle A applied under this package hash with other bytes, digest and all, is refused."""
    pkg = write_package(
        tmp_path / "p",
        [
            B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;"),
            B("B", "CREATE TABLE public.b (id int);", "DROP TABLE public.b;"),
        ],
    )
    assert _apply(pkg, fresh_db, tmp_path / "k1").startswith("0\n")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("UPDATE pgwarden.bundle_attempt SET bundle_sha256 = repeat('0', 64) WHERE bundle = 'A'")
        row = conn.execute(f"SELECT {ledger._COLUMNS} FROM pgwarden.bundle_attempt WHERE bundle = 'A'").fetchone()
        assert row is not None
        cols = [
            d.name
            for d in conn.execute(f"SELECT {ledger._COLUMNS} FROM pgwarden.bundle_attempt LIMIT 0").description or ()
        ]
        conn.execute(
            "UPDATE pgwarden.bundle_attempt SET row_sha256 = %s WHERE bundle = 'A'",
            (ledger.digest(dict(zip(cols, row, strict=True))),),
        )
    r = run_cli("apply", str(pkg), "--dsn", fresh_db, "--out", str(tmp_path / "k2"), "--no-rehearse")
    assert r.returncode == 2, r.stderr
    assert "bundle A: applied with apply file sha256 000000000000… under this package hash" in r.stderr


def test_a_package_reusing_a_name_with_other_bundles_is_refused(fresh_db: str, tmp_path: Path) -> None:
    first = write_package(tmp_path / "p1", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    assert _apply(first, fresh_db, tmp_path / "k1").startswith("0\n")
    other = write_package(tmp_path / "p2", [B("Z", "CREATE TABLE public.z (id int);", "DROP TABLE public.z;")])
    r = run_cli("apply", str(other), "--dsn", fresh_db, "--out", str(tmp_path / "k2"), "--no-rehearse")
    assert r.returncode == 2, r.stderr
    assert "package name 't' is recorded in the ledger with bundle(s) this package does not have: A" in r.stderr
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('public.z')").fetchone() == (None,)


def test_a_role_without_rights_on_the_ledger_is_an_environment_problem(app_db: tuple[str, str], tmp_path: Path) -> None:
    dsn, app = app_db
    pkg = write_package(tmp_path / "p", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    assert _apply(pkg, dsn, tmp_path / "k1").startswith("0\n")  # the superuser made the ledger
    r = run_cli("status", "--dsn", app)
    assert r.returncode == 3, r.stderr
    assert "may not use the pgwarden ledger: permission denied for schema pgwarden" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_ledger_dropped_during_a_run_is_an_environment_problem(fresh_db: str, tmp_path: Path) -> None:
    pkg = write_package(
        tmp_path / "p",
        [
            B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;"),
            B("B", "CREATE TABLE public.b (id int);\nSELECT pg_advisory_xact_lock(9101);", "DROP TABLE public.b;"),
        ],
    )
    holder = Holder(fresh_db, 9101)
    child = start_apply(pkg, fresh_db, tmp_path / "k")
    try:
        wait_for(
            lambda: waiting_on(fresh_db, "pg_advisory_xact_lock(9101)") or child.poll() is not None,
            what="apply held in bundle B",
        )
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            conn.execute("DROP SCHEMA pgwarden CASCADE")
    finally:
        holder.release()
    _out, err = child.communicate(timeout=120)
    assert child.returncode == 3, err
    assert "the pgwarden ledger changed while pgwarden was using it" in err and "Traceback" not in err
    with psycopg.connect(fresh_db, autocommit=True) as conn:  # B and its row: both absent
        assert conn.execute("SELECT to_regclass('public.b')").fetchone() == (None,)


def test_resolve_takes_one_finding(fresh_db: str, tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "p", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    r = run_cli("resolve", str(pkg), "A", "--applied", "--absent", "--dsn", fresh_db)
    assert r.returncode == 2 and "--applied and --absent contradict each other" in r.stderr, r.stderr
    assert ledger_states(fresh_db) == {}
