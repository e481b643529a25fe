"""Second review: preflight executes nothing a package says, and hostile packages give findings or exit 2.

Side effects that survive a rollback (session advisory locks, session settings, the role) are the
witnesses: had preflight run any of the package's SQL, the connection would hold them afterwards.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from pgwarden.package.manifest import load_package
from pgwarden.preflight.run import run_preflight
from tests._preflight_pkg import catalog_fingerprint
from tests.conftest import result_of
from tests.test_preflight import _package

_LOCK = 4242

_SIDE_EFFECTS = f"""
CREATE FUNCTION f_new(a integer) RETURNS integer LANGUAGE sql AS 'SELECT 1';
SELECT pg_sleep(30), pg_advisory_lock({_LOCK});
DO $$ BEGIN PERFORM pg_advisory_lock({_LOCK} + 1); CREATE TABLE made_by_do (a int); END $$;
SET ROLE pfh_nobody;
SET search_path = pfh_evil, public;
SET statement_timeout = 1;
CREATE OR REPLACE VIEW v_lock AS SELECT pg_advisory_lock({_LOCK} + 2) AS l;
CREATE FUNCTION f_poly(a anyelement DEFAULT pg_advisory_lock({_LOCK} + 3)) RETURNS text LANGUAGE sql AS 'SELECT 1';
CREATE OR REPLACE VIEW v_cte AS WITH d AS (DELETE FROM keep RETURNING a) SELECT a FROM d;
RESET ROLE;
CALL p_lock();
"""


def _session(conn: psycopg.Connection[Any]) -> tuple[Any, ...]:
    row = conn.execute(
        "SELECT current_user, current_setting('search_path'), current_setting('statement_timeout'), "
        "(SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()), "
        "(SELECT count(*) FROM keep), pg_catalog.pg_current_xact_id_if_assigned() IS NULL"
    ).fetchone()
    assert row is not None
    return tuple(row)


def test_preflight_never_runs_package_sql(tmp_path: Path, fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS pfh_nobody")
        conn.execute("CREATE ROLE pfh_nobody NOLOGIN")
        conn.execute(
            f"CREATE TABLE keep (a int); INSERT INTO keep VALUES (1); CREATE SCHEMA pfh_evil; "
            f"CREATE PROCEDURE p_lock() LANGUAGE sql AS 'SELECT pg_advisory_lock({_LOCK} + 4)'"
        )
    pkg = _package(
        tmp_path / "p",
        {"A": (_SIDE_EFFECTS, _SIDE_EFFECTS)},
        settings='[settings]\nsearch_path = "pfh_evil, public"\nlock_timeout = "1s"',
    )
    before = catalog_fingerprint(fresh_db)
    try:
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            start = _session(conn)
            report = run_preflight(load_package(pkg), conn, None)
            assert _session(conn) == start
            assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert catalog_fingerprint(fresh_db) == before
        rules = {f.rule for f in report.findings}
        assert "preflight.query" in rules  # the data-modifying WITH, refused as the server would
    finally:
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            conn.execute("DROP OWNED BY pfh_nobody; DROP ROLE pfh_nobody")


def test_hostile_packages_give_findings_not_tracebacks(tmp_path: Path, fresh_db: str, cli: Any) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(
            "DO $$ DECLARE t text; BEGIN FOREACH t IN ARRAY ARRAY['int2','int8','text','bool','date',"
            "'uuid','jsonb','bytea','float8','numeric'] LOOP FOR k IN 1..99 LOOP EXECUTE format("
            "'CREATE FUNCTION ov(integer, %s) RETURNS integer LANGUAGE sql AS ''SELECT 1''', "
            "rtrim(repeat(t || ',', k), ',')); END LOOP; END LOOP; END $$"
        )
        conn.execute("CREATE FUNCTION ov(a integer) RETURNS integer LANGUAGE sql AS 'SELECT 1'")
    long_name = "x" * 5000
    cases: dict[str, tuple[str, str, int]] = {
        "long": (
            f"CREATE OR REPLACE FUNCTION \"{long_name}\"(a integer) RETURNS integer LANGUAGE sql AS 'SELECT 1';\n"
            f"CREATE TABLE {long_name} (a int);\nDROP TABLE {long_name}x;\nCREATE TABLE {long_name}y (a int);\n"
            f"CREATE TABLE {long_name}z (a int);\n",
            "",
            1,
        ),
        "overloads": (
            "CREATE OR REPLACE FUNCTION ov(b integer) RETURNS integer LANGUAGE sql AS 'SELECT 2';\nDROP FUNCTION ov;\n",
            "",
            1,
        ),
        "plpgsql": ("CREATE FUNCTION bad() RETURNS integer LANGUAGE plpgsql AS $$ BEGIN RETRUN 1; END $$;\n", "", 1),
        "schemas": (
            "CREATE TABLE nowhere.t (a int);\nDROP FUNCTION nowhere.f(integer);\n"
            "CREATE OR REPLACE VIEW nowhere.v AS SELECT 1;\nALTER TABLE nowhere.t ADD COLUMN b int;\n",
            "",
            1,
        ),
        "odd_path": (
            "CREATE TABLE t_ok (a int);\n",
            '[settings]\nsearch_path = "\\"$user\\", pg_temp, no_such, \\"We\\"\\"ird\\", public"',
            0,
        ),
        "no_schema_path": ("CREATE TABLE t_ok (a int);\n", '[settings]\nsearch_path = "no_such, other"', 1),
    }
    before = catalog_fingerprint(fresh_db)
    for name, (sql, settings, code) in cases.items():
        pkg = _package(tmp_path / name, {"A": (sql, None)}, settings=settings)
        r = cli("check", str(pkg), "--dsn", fresh_db, "--out", str(tmp_path / f"kit-{name}"), "--json")
        assert "Traceback" not in r.stderr, (name, r.stderr)
        assert r.returncode == code, (name, r.returncode, r.stdout[-2000:], r.stderr[-2000:])
        if code == 1:
            assert any(f["rule"].startswith("preflight.") for f in result_of(r)["findings"]), name
    assert catalog_fingerprint(fresh_db) == before
