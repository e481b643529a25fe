"""``apply --baseline-from`` reads another tool's history as data, never as code (issue 20, "Trust II").

The attacker is a real non-superuser role, ``app``, that owns the target database (as an application's role
often does); pgwarden runs as the superuser. ``app`` plants views, decoys, expression indexes and user types
named and shaped like a tool's history; every one is refused (exit 2, nothing touched) or never runs, and the
real history, once named with ``--baseline-schema``, is adopted exactly as it says.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from pgwarden.instances.instance import SUPERUSER
from pgwarden.package.lock import lock
from tests._apply_helpers import B, write_package
from tests.conftest import Server, run_cli

NO_BACKUP = ("--no-backup", "--i-have-a-backup", "0" * 64)

# Flyway's own DDL for its history table on PostgreSQL (and its index on success).
FLYWAY_DDL = """
CREATE TABLE {s}.flyway_schema_history (installed_rank integer NOT NULL PRIMARY KEY, version varchar(50),
    description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer,
    installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),
    execution_time integer NOT NULL, success boolean NOT NULL);
CREATE INDEX ON {s}.flyway_schema_history (success);
"""


@dataclass(frozen=True)
class Target:
    dsn: str  # what pgwarden connects as: the superuser
    app_dsn: str  # the attacker: a non-superuser that owns the database
    app: str
    server: Server

    def as_app(self, statements: str) -> None:
        with psycopg.connect(self.app_dsn, autocommit=True) as conn:
            conn.execute(statements)

    def as_superuser(self, statements: str) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(statements)

    def ledger(self) -> list[tuple[str, str | None]]:
        """(bundle, adopted_from) of every ledger row, in order ([] when there is no ledger)."""
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            if conn.execute("SELECT to_regclass('pgwarden.bundle_attempt')").fetchone() == (None,):
                return []
            rows = conn.execute("SELECT bundle, adopted_from FROM pgwarden.bundle_attempt ORDER BY id").fetchall()
        return [(str(b), a) for b, a in rows]

    def untouched(self) -> bool:
        """No pgwarden schema (no ledger) and no bundle's table."""
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'pgwarden'").fetchone()
            made = conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'made\\_%'").fetchone()
        return row == (0,) and made == (0,)

    def logged(self, token: str) -> bool:
        return any(token in line for line in self.server.instance.log_tail(100_000))


@pytest.fixture
def target(pg_server: Server, fresh_db: str) -> Iterator[Target]:
    dbname = str(psycopg.conninfo.conninfo_to_dict(fresh_db)["dbname"])
    app = f"app_{dbname}"
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(app)))
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(dbname), sql.Identifier(app)))
    yield Target(fresh_db, pg_server.instance.dsn(dbname, user=app), app, pg_server)
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(app)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(app)))


def _package(root: Path, tool: str, keys: list[str]) -> Path:
    """A package of one bundle per key, each with origin ``tool:key``; bundle i creates table public.made_i."""
    write_package(
        root, [B(f"m{i}", f"CREATE TABLE public.made_{i} (id int);\n") for i in range(1, len(keys) + 1)], name="billing"
    )
    toml = (root / "pgwarden.toml").read_text()
    for i, key in enumerate(keys, 1):
        toml = toml.replace(f'id = "m{i}"\n', f'id = "m{i}"\norigin = "{tool}:{key}"\n', 1)
    (root / "pgwarden.toml").write_text(toml)
    lock(root)
    return root


def _apply(pkg: Path, t: Target, out: Path, *more: str):
    return run_cli("apply", str(pkg), "--dsn", t.dsn, "--out", str(out), "--no-rehearse", *NO_BACKUP, *more)


def _flyway_rows(schema: str, versions: list[str]) -> str:
    return "".join(
        f"INSERT INTO {schema}.flyway_schema_history VALUES ({i}, '{v}', 'm{i}', 'SQL', 'V{v}__m{i}.sql', "
        f"0, 'app', now(), 1, true);\n"
        for i, v in enumerate(versions, 1)
    )


def _one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.startswith("pgwarden: ")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


# -- a view: its function would run as the superuser --------------------------------------------------------
def test_a_view_named_like_the_flyway_history_is_refused_and_its_function_never_runs(
    target: Target, tmp_path: Path
) -> None:
    token = f"planted-{secrets.token_hex(6)}"
    target.as_app(f"""
        CREATE FUNCTION public.history() RETURNS TABLE (installed_rank int, version text, description text,
            type text, script text, success boolean) LANGUAGE plpgsql AS $f$
        BEGIN
            IF current_setting('is_superuser') = 'on' THEN
                EXECUTE 'COPY (SELECT 1) TO PROGRAM ''cat >/dev/null''';
                RAISE LOG '{token} ran as %', current_user;
            END IF;
            RETURN QUERY VALUES (1, '1', 'a', 'SQL', 'V1__a.sql', true), (2, '2', 'b', 'SQL', 'V2__b.sql', true);
        END $f$;
        CREATE VIEW public.flyway_schema_history AS SELECT * FROM public.history();
    """)
    pkg = _package(tmp_path / "pkg", "flyway", ["V:1", "V:2", "V:3"])
    r = _apply(pkg, target, tmp_path / "kit", "--baseline-from", "flyway")
    assert not target.logged(token), "the planted function ran as the superuser"
    assert r.returncode == 2, r.stdout + r.stderr
    assert (
        "public.flyway_schema_history is a view, not a table: pgwarden reads another tool's history only from "
        "an ordinary table"
    ) in _one_line(r.stderr)
    assert target.untouched()
    for kind, ddl in (
        (
            "materialized view",
            "DROP VIEW public.flyway_schema_history; CREATE MATERIALIZED VIEW "
            "public.flyway_schema_history AS SELECT * FROM public.history() WITH NO "
            "DATA",
        ),
        (
            "partitioned table",
            "DROP MATERIALIZED VIEW public.flyway_schema_history; CREATE TABLE "
            "public.flyway_schema_history (installed_rank int, version text, "
            "description text, type text, script text, success boolean) PARTITION "
            "BY RANGE (installed_rank)",
        ),
    ):
        target.as_app(ddl)
        r = _apply(pkg, target, tmp_path / f"kit-{kind[0]}", "--baseline-from", "flyway")
        assert r.returncode == 2 and f"is a {kind}, not a table" in _one_line(r.stderr), r.stderr
    assert not target.logged(token) and target.untouched()


# -- a decoy in public does not shadow the real history through search_path ---------------------------------
def test_a_decoy_in_public_is_refused_and_the_named_schema_is_adopted_exactly(target: Target, tmp_path: Path) -> None:
    target.as_app("CREATE SCHEMA flyway;" + FLYWAY_DDL.format(s="flyway") + _flyway_rows("flyway", ["1"]))
    target.as_app(FLYWAY_DDL.format(s="public") + _flyway_rows("public", ["1", "2", "3"]))  # the decoy
    pkg = _package(tmp_path / "pkg", "flyway", ["V:1", "V:2", "V:3"])
    r = _apply(pkg, target, tmp_path / "kit1", "--baseline-from", "flyway")
    assert r.returncode == 2, r.stdout + r.stderr
    line = _one_line(r.stderr)
    assert f"flyway.flyway_schema_history (table, owner {target.app})" in line
    assert f"public.flyway_schema_history (table, owner {target.app})" in line
    assert "--baseline-schema" in line
    assert target.untouched()

    r = _apply(pkg, target, tmp_path / "kit2", "--baseline-from", "flyway", "--baseline-schema", "flyway")
    assert r.returncode == 0, r.stdout + r.stderr
    # V1 adopted from the real history; V2 and V3, which the decoy claimed, ran
    assert target.ledger() == [("m1", "flyway (flyway.flyway_schema_history)"), ("m2", None), ("m3", None)]

    r = _apply(pkg, target, tmp_path / "kit3", "--baseline-from", "flyway", "--baseline-schema", "nowhere")
    assert r.returncode == 2 and "the target has no nowhere.flyway_schema_history table" in _one_line(r.stderr)


# -- who owns it ---------------------------------------------------------------------------------------------
def test_a_history_owned_by_a_role_other_than_its_schemas_owner_is_refused(target: Target, tmp_path: Path) -> None:
    target.as_superuser(f"CREATE SCHEMA flyway; GRANT USAGE, CREATE ON SCHEMA flyway TO {target.app}")
    target.as_app(FLYWAY_DDL.format(s="flyway") + _flyway_rows("flyway", ["1", "2"]))
    pkg = _package(tmp_path / "pkg", "flyway", ["V:1", "V:2"])
    r = _apply(pkg, target, tmp_path / "kit1", "--baseline-from", "flyway")
    assert r.returncode == 2, r.stdout + r.stderr
    line = _one_line(r.stderr)
    assert f"flyway.flyway_schema_history is owned by {target.app}" in line and f"({SUPERUSER})" in line, line
    assert target.untouched()
    # the database owner's own history in public (owned by pg_database_owner) is its schema owner's: adopted
    target.as_superuser("DROP SCHEMA flyway CASCADE")
    target.as_app(FLYWAY_DDL.format(s="public") + _flyway_rows("public", ["1"]))
    r = _apply(pkg, target, tmp_path / "kit2", "--baseline-from", "flyway")
    assert r.returncode == 0, r.stdout + r.stderr
    assert target.ledger() == [("m1", "flyway (public.flyway_schema_history)"), ("m2", None)]


# -- a column of a user type, or computed, is code ------------------------------------------------------------
@pytest.mark.parametrize(
    ("tool", "ddl", "column", "shown"),
    [
        (
            "flyway",
            "CREATE DOMAIN public.ver AS text; "
            + FLYWAY_DDL.format(s="public").replace("version varchar(50)", "version public.ver")
            + _flyway_rows("public", ["1"]),
            "version",
            "public.ver",
        ),
        (
            "popx",
            "CREATE TYPE public.v AS ENUM ('1', '2'); CREATE TABLE public.schema_migration (version public.v "
            "NOT NULL); INSERT INTO public.schema_migration VALUES ('1')",
            "version",
            "public.v",
        ),
        (
            "golang-migrate",
            "CREATE TABLE public.schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty text NOT "
            "NULL); INSERT INTO public.schema_migrations VALUES (1, 'false')",
            "dirty",
            "text",
        ),
    ],
    ids=["domain", "enum", "text-flag"],
)
def test_a_column_of_another_type_is_refused(
    target: Target, tmp_path: Path, tool: str, ddl: str, column: str, shown: str
) -> None:
    target.as_app(ddl)
    pkg = _package(tmp_path / "pkg", tool, ["V:1" if tool == "flyway" else "1", "V:2" if tool == "flyway" else "2"])
    r = _apply(pkg, target, tmp_path / "kit", "--baseline-from", tool)
    assert r.returncode == 2, r.stdout + r.stderr
    table = {"flyway": "flyway_schema_history", "popx": "schema_migration", "golang-migrate": "schema_migrations"}
    assert f"public.{table[tool]}.{column} is of type {shown}, expected" in _one_line(r.stderr), r.stderr
    assert target.untouched()


# -- the planner never evaluates the table's expressions as the superuser ---------------------------------------
def test_an_expression_index_on_the_history_never_runs_its_function(target: Target, tmp_path: Path) -> None:
    token = f"planted-{secrets.token_hex(6)}"
    target.as_app(f"""
        CREATE FUNCTION public.planted(v bigint) RETURNS bigint IMMUTABLE LANGUAGE plpgsql AS $f$
        BEGIN
            IF current_setting('is_superuser') = 'on' THEN RAISE LOG '{token} ran as %', current_user; END IF;
            RETURN v;
        END $f$;
        CREATE TABLE public.schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
        INSERT INTO public.schema_migrations VALUES (1, false);
        CREATE INDEX ON public.schema_migrations ((version + public.planted(0)));
        CREATE STATISTICS public.s ON (version + public.planted(1)), dirty FROM public.schema_migrations;
    """)
    pkg = _package(tmp_path / "pkg", "golang-migrate", ["1", "2"])
    r = _apply(pkg, target, tmp_path / "kit", "--baseline-from", "golang-migrate")
    assert r.returncode == 0, r.stdout + r.stderr
    assert not target.logged(token), "the planner ran the planted function as the superuser"


# -- Sqitch: its registry schema, ordinary tables only --------------------------------------------------------
SQITCH_DDL = """
CREATE TABLE {s}.changes (change_id text PRIMARY KEY, script_hash text, change text NOT NULL, project text NOT NULL,
    note text NOT NULL DEFAULT '', committed_at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE {s}.events (event text NOT NULL, change_id text NOT NULL, change text NOT NULL, project text NOT NULL,
    note text NOT NULL DEFAULT '', committed_at timestamptz NOT NULL DEFAULT clock_timestamp());
"""


def _sqitch(s: str, changes: list[str], fail: str | None = None) -> str:
    out = SQITCH_DDL.format(s=s)
    for c in changes:
        out += (
            f"INSERT INTO {s}.changes (change_id, change, project) VALUES ('{c}-id', '{c}', 'billing');"
            f"INSERT INTO {s}.events (event, change_id, change, project) VALUES ('deploy', '{c}-id', '{c}', "
            "'billing');"
        )
    if fail:
        out += (
            f"INSERT INTO {s}.events (event, change_id, change, project, committed_at) VALUES "
            f"('fail', '{fail}-id', '{fail}', 'billing', clock_timestamp() + interval '1 s');"
        )
    return out


def test_sqitch_reads_only_its_registry_schema(target: Target, tmp_path: Path) -> None:
    pkg = _package(tmp_path / "pkg", "sqitch", ["one", "two", "three"])
    target.as_app("CREATE SCHEMA sqitch;" + _sqitch("sqitch", ["one"]) + _sqitch("public", ["one", "two", "three"]))
    target.as_app(
        "ALTER TABLE sqitch.events RENAME TO events_real; CREATE VIEW sqitch.events AS SELECT * FROM sqitch.events_real"
    )
    r = _apply(pkg, target, tmp_path / "kit1", "--baseline-from", "sqitch")
    assert r.returncode == 2 and "sqitch.events is a view, not a table" in _one_line(r.stderr), r.stderr
    assert target.untouched()
    # a registry of its own (Sqitch's registry setting), with a failed deploy: refused, naming it
    target.as_app("CREATE SCHEMA reg;" + _sqitch("reg", ["one", "two"], fail="two"))
    r = _apply(pkg, target, tmp_path / "kit2", "--baseline-from", "sqitch", "--baseline-schema", "reg")
    assert r.returncode == 2 and "reg.changes records a fail entry at 'two'" in _one_line(r.stderr), r.stderr
    assert target.untouched()
    # the default registry, once it is made of tables: exactly what sqitch.changes says, never public's decoy
    target.as_app("DROP VIEW sqitch.events; ALTER TABLE sqitch.events_real RENAME TO events")
    r = _apply(pkg, target, tmp_path / "kit3", "--baseline-from", "sqitch")
    assert r.returncode == 0, r.stdout + r.stderr
    assert target.ledger() == [("m1", "sqitch (sqitch.changes)"), ("m2", None), ("m3", None)]


# -- golang-migrate versions are integers, in the table and in the package ------------------------------------
@pytest.mark.parametrize("value", ["abc", "12-beta"])
def test_a_non_numeric_golang_migrate_version_is_bad_input(target: Target, tmp_path: Path, value: str) -> None:
    target.as_app(
        "CREATE TABLE public.schema_migrations (version text NOT NULL PRIMARY KEY, dirty boolean NOT NULL);"
        f"INSERT INTO public.schema_migrations VALUES ('{value}', false)"
    )
    pkg = _package(tmp_path / "pkg", "golang-migrate", ["1", "2"])
    r = _apply(pkg, target, tmp_path / "kit", "--baseline-from", "golang-migrate")
    assert r.returncode == 2, r.stdout + r.stderr
    line = _one_line(r.stderr)
    assert f"public.schema_migrations records version '{value}'" in line and "not a golang-migrate version" in line
    assert target.untouched()


def test_a_non_numeric_golang_migrate_origin_is_bad_input(target: Target, tmp_path: Path) -> None:
    target.as_app(
        "CREATE TABLE public.schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);"
        "INSERT INTO public.schema_migrations VALUES (1, false)"
    )
    pkg = _package(tmp_path / "pkg", "golang-migrate", ["1", "two"])
    r = _apply(pkg, target, tmp_path / "kit", "--baseline-from", "golang-migrate")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "bundle m2 has origin 'golang-migrate:two', whose version is not an integer" in _one_line(r.stderr)
    assert target.untouched()


def test_baseline_schema_needs_baseline_from(target: Target, tmp_path: Path) -> None:
    pkg = _package(tmp_path / "pkg", "flyway", ["V:1"])
    r = _apply(pkg, target, tmp_path / "kit", "--baseline-schema", "flyway")
    assert r.returncode == 2 and "give --baseline-from too" in r.stderr, r.stderr
    assert target.untouched()
