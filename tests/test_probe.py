"""Fingerprints on real servers (15 and 18): every kind is seen, one change shows as exactly that
object, reverting it gives the identical fingerprint again, rows modes, named queries, files."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from pgwarden.errors import BadInput, EnvironmentProblem
from pgwarden.probe.fingerprint import Fingerprint, diff_fingerprints, explain, load, save
from pgwarden.probe.probe import fingerprint_dsn, take_fingerprint
from tests._probe_helpers import build_schema, delta, execute, has_extension, names, pagila_sql


@pytest.fixture
def app_db(fresh_db: str) -> str:
    build_schema(fresh_db)
    return fresh_db


def test_every_kind_is_fingerprinted(app_db: str) -> None:
    fp = fingerprint_dsn(app_db)
    assert {
        "schema",
        "table",
        "column",
        "constraint",
        "index",
        "view",
        "matview",
        "sequence",
        "function",
        "trigger",
        "event_trigger",
        "policy",
        "rule",
        "type",
        "extension",
        "grant",
        "statistics",
        "collation",
        "publication",
        "foreign_data_wrapper",
        "foreign_server",
    } == set(fp.counts())
    assert names(fp, "schema") == {"app", "public"}
    assert names(fp, "table") == {"app.t", "app.child", "app.part", "app.part_1", "app.u", "app.ft"}
    assert names(fp, "function") == {
        "app.f(integer, text)",
        "app.p(integer)",
        "app.trg()",
        "app.writes()",
        "app.agg(text)",
        "app.evt()",
    }  # no citext members, no range constructors
    assert names(fp, "type") == {"app.mood", "app.posint", "app.pair", "app.floatrange"}
    assert names(fp, "extension") == {"citext", "plpgsql"}
    assert {
        "table app.t",
        "SELECT (note) ON app.child TO pw_probe_alice",
        "schema app",
        "function app.f(integer, text)",
        "type app.mood",
        "default privileges for role pw_probe_alice in schema app on tables",
        "default privileges for role pw_probe_alice on functions",
    } == names(fp, "grant")
    by_name = {(e.kind, e.name): e for e in fp.entries}
    f = json.loads(by_name["function", "app.f(integer, text)"].definition)
    assert "b text DEFAULT NULL::text" in f["definition"] and "SECURITY DEFINER" in f["definition"]
    assert f["owner"] == "postgres"
    col = json.loads(by_name["column", "app.t.total"].definition)
    assert col == {"position": 6, "type": "numeric(10,2)", "default": "(id * 2)", "generated": "s", "not_null": False}
    trg = json.loads(by_name["trigger", "app.t.t_trg"].definition)
    assert trg["enabled"] == "O" and "WHEN ((old.name IS DISTINCT FROM new.name))" in trg["definition"]
    assert fp.rows_mode == "none" and fp.rows == {} and fp.queries == {}
    assert fp.server["database"] == app_db.rsplit("=", 1)[1]


CHANGES = {
    # name: (change, revert, expected difference)
    "function body": (
        "CREATE OR REPLACE FUNCTION app.f(a integer, b text DEFAULT NULL::text) RETURNS text "
        "LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = app "
        "AS $$ BEGIN RETURN a::text || coalesce(b, '-'); END $$",
        "CREATE OR REPLACE FUNCTION app.f(a integer, b text DEFAULT NULL::text) RETURNS text "
        "LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = app "
        "AS $$ BEGIN RETURN a::text || coalesce(b, ''); END $$",
        {("~", "function", "app.f(integer, text)")},
    ),
    "add column": (
        "ALTER TABLE app.child ADD COLUMN extra integer",
        "ALTER TABLE app.child DROP COLUMN extra",
        {("+", "column", "app.child.extra")},
    ),
    "drop index": (
        "DROP INDEX app.child_note_idx",
        "CREATE INDEX child_note_idx ON app.child (lower(note)) WHERE note IS NOT NULL",
        {("-", "index", "app.child_note_idx")},
    ),
    "change grant": (
        "GRANT UPDATE ON app.t TO pw_probe_bob",
        "REVOKE UPDATE ON app.t FROM pw_probe_bob",
        {("~", "grant", "table app.t")},
    ),
    "new grant": (
        "GRANT SELECT ON app.child TO pw_probe_bob",
        "REVOKE SELECT ON app.child FROM pw_probe_bob",
        {("+", "grant", "table app.child")},
    ),
    "disable trigger": (
        "ALTER TABLE app.t DISABLE TRIGGER t_trg",
        "ALTER TABLE app.t ENABLE TRIGGER t_trg",
        {("~", "trigger", "app.t.t_trg")},
    ),
    "trigger WHEN": (
        "DROP TRIGGER t_trg ON app.t; CREATE TRIGGER t_trg BEFORE UPDATE OF name ON app.t FOR EACH ROW "
        "WHEN (OLD.name <> NEW.name) EXECUTE FUNCTION app.trg()",
        "DROP TRIGGER t_trg ON app.t; CREATE TRIGGER t_trg BEFORE UPDATE OF name ON app.t FOR EACH ROW "
        "WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION app.trg()",
        {("~", "trigger", "app.t.t_trg")},
    ),
    "column default": (
        "ALTER TABLE app.t ALTER COLUMN m SET DEFAULT 'happy'",
        "ALTER TABLE app.t ALTER COLUMN m SET DEFAULT 'ok'",
        {("~", "column", "app.t.m")},
    ),
    "policy": (
        "ALTER POLICY pol ON app.t USING (id > 1)",
        "ALTER POLICY pol ON app.t USING (id > 0)",
        {("~", "policy", "app.t.pol")},
    ),
    "view query": (
        "CREATE OR REPLACE VIEW app.v WITH (security_barrier) AS SELECT id, name FROM app.t WHERE id > 1",
        "CREATE OR REPLACE VIEW app.v WITH (security_barrier) AS SELECT id, name FROM app.t WHERE id > 0",
        {("~", "view", "app.v")},
    ),
    "statistics": (
        "DROP STATISTICS app.st; CREATE STATISTICS app.st (dependencies) ON m, n FROM app.t",
        "DROP STATISTICS app.st; CREATE STATISTICS app.st (ndistinct) ON m, n FROM app.t",
        {("~", "statistics", "app.st")},
    ),
    "publication": (
        "ALTER PUBLICATION pw_probe_pub DROP TABLE app.t",
        "ALTER PUBLICATION pw_probe_pub ADD TABLE app.t (id, name)",
        {("~", "publication", "pw_probe_pub")},
    ),
    "foreign server": (
        "ALTER SERVER pw_probe_srv OPTIONS (SET port '5433')",
        "ALTER SERVER pw_probe_srv OPTIONS (SET port '5432')",
        {("~", "foreign_server", "pw_probe_srv")},
    ),
    "sequence": ("ALTER SEQUENCE app.s INCREMENT 6", "ALTER SEQUENCE app.s INCREMENT 5", {("~", "sequence", "app.s")}),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_one_change_is_exactly_that_object_and_revert_is_identical(app_db: str, change: str) -> None:
    do, undo, expected = CHANGES[change]
    with psycopg.connect(app_db, autocommit=True) as conn:
        before = take_fingerprint(conn)
        conn.execute(do)
        after = take_fingerprint(conn)
        conn.execute(undo)
        reverted = take_fingerprint(conn)
    d = diff_fingerprints(before, after)
    assert delta(d) == expected
    assert not d.rows_changed and not d.queries_changed
    [line] = d.lines()
    sign, kind, name = next(iter(expected))
    assert line.startswith(f"{sign} {kind} {name}")
    assert diff_fingerprints(before, reverted).identical, diff_fingerprints(before, reverted).lines()


def test_diff_explains_what_changed(app_db: str) -> None:
    with psycopg.connect(app_db, autocommit=True) as conn:
        before = take_fingerprint(conn)
        conn.execute(
            "ALTER TABLE app.t DISABLE TRIGGER t_trg; GRANT UPDATE ON app.t TO pw_probe_bob; "
            "ALTER TABLE app.t OWNER TO pw_probe_alice"
        )
        after = take_fingerprint(conn)
    lines = diff_fingerprints(before, after).lines()
    assert "~ trigger app.t.t_trg: enabled: 'O' -> 'D'" in lines
    assert "~ table app.t: owner: 'postgres' -> 'pw_probe_alice'" in lines
    # the owner change also re-owns the identity sequence and rewrites the grantor of every ACL item
    assert any(x.startswith("~ grant table app.t: acl +pw_probe_alice=arwdDxt") for x in lines), lines
    assert any(x.startswith("~ sequence app.t_id_seq: owner:") for x in lines), lines


def test_rows_modes(app_db: str) -> None:
    with psycopg.connect(app_db, autocommit=True) as conn:
        exact = take_fingerprint(conn, rows="exact")
        conn.execute("ANALYZE")
        estimate = take_fingerprint(conn, rows="estimate")
        none = take_fingerprint(conn, rows="none")
        conn.execute("INSERT INTO app.child (note) VALUES ('z')")
        exact2 = take_fingerprint(conn, rows="exact")
    expected = {"app.t": 2, "app.child": 3, "app.part_1": 0, "app.u": 0, "app.mv": 1}
    assert exact.rows == expected and exact.rows_mode == "exact"
    assert estimate.rows == expected and estimate.rows_mode == "estimate"
    assert none.rows == {} and none.rows_mode == "none"
    d = diff_fingerprints(exact, exact2)
    assert d.rows_changed == (("app.child", 3, 4),) and not delta(d)
    assert d.lines() == ["~ rows app.child: 3 -> 4"]
    mixed = diff_fingerprints(exact, none)
    assert mixed.identical and mixed.notes == ("row counts not compared: rows mode exact vs none",)
    with psycopg.connect(app_db, autocommit=True) as conn, pytest.raises(BadInput, match="--rows 'all'"):
        take_fingerprint(conn, rows="all")


def test_named_queries_run_in_the_same_read_only_repeatable_read_transaction(app_db: str) -> None:
    queries = {
        "n": "SELECT count(*) FROM app.t",
        "null": "SELECT NULL::int",
        "none": "SELECT 1 WHERE false",
        "iso": "SELECT current_setting('transaction_isolation')",
        "ro": "SELECT current_setting('transaction_read_only')",
        "ts": "SELECT created FROM app.t WHERE id = 1",
    }
    fp = fingerprint_dsn(app_db, queries=queries)
    assert fp.queries == {
        "n": "2",
        "null": None,
        "none": None,
        "iso": "repeatable read",
        "ro": "on",
        "ts": "2020-01-01 00:00:00+00",
    }
    execute(app_db, "DELETE FROM app.t WHERE id = 2")
    d = diff_fingerprints(fp, fingerprint_dsn(app_db, queries=queries))
    assert d.queries_changed == (("n", "2", "1"),) and not delta(d)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT 1 UNION ALL SELECT 2", "returned 2 rows"),
        ("SELECT 1, 2", "returned 2 columns"),
        ("SELEC 1", "SQL syntax error"),
        ("SELECT 1; DELETE FROM app.child", "must be exactly one SELECT statement, found 2"),
        ("DELETE FROM app.child RETURNING 1", "must be a SELECT, found DELETE"),
        ("SELECT 1 INTO TEMP x", "SELECT … INTO creates a table"),
        ("WITH d AS (DELETE FROM app.child RETURNING 1) SELECT count(*) FROM d", "data-modifying DELETE"),
        ("SELECT (SELECT id FROM app.t LIMIT 1 FOR UPDATE)", "FOR UPDATE/SHARE takes row locks"),
        ("SELECT 1\x00; DELETE FROM app.child", "NUL byte"),
        ("SELECT app.writes()", "can call app.writes(), which is VOLATILE"),
        ("SELECT nextval('app.s')", "can call nextval(regclass), which is VOLATILE"),
        ("SELECT * FROM no_such_table", 'relation "no_such_table" does not exist'),
    ],
)
def test_bad_named_query_is_bad_input_and_changes_nothing(app_db: str, sql: str, message: str) -> None:
    before = fingerprint_dsn(app_db, rows="exact", queries={"s": "SELECT last_value FROM app.s"})
    with pytest.raises(BadInput, match="named query 'q'") as err:
        fingerprint_dsn(app_db, rows="exact", queries={"q": sql})
    assert message in err.value.message
    after = fingerprint_dsn(app_db, rows="exact", queries={"s": "SELECT last_value FROM app.s"})
    assert diff_fingerprints(before, after).identical


def test_temporary_objects_are_not_fingerprinted(app_db: str) -> None:
    with psycopg.connect(app_db, autocommit=True) as conn:
        before = take_fingerprint(conn, rows="exact")
        conn.execute("CREATE TEMP TABLE scratch (a int PRIMARY KEY); INSERT INTO scratch VALUES (1)")
        assert diff_fingerprints(before, take_fingerprint(conn, rows="exact")).identical


def test_server_cutting_the_probe_short_is_an_environment_problem(app_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGWARDEN_STATEMENT_TIMEOUT", "50ms")
    with pytest.raises(EnvironmentProblem, match="the probe was cut short by the server: canceling statement"):
        fingerprint_dsn(app_db, queries={"slow": "SELECT count(*) FROM generate_series(1, 1000000000)"})


def test_probe_needs_an_idle_connection_and_leaves_it_idle(app_db: str) -> None:
    with psycopg.connect(app_db) as conn:  # not autocommit
        fp = take_fingerprint(conn, queries={"ro": "SELECT current_setting('transaction_read_only')"})
        assert fp.queries == {"ro": "on"}
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        conn.execute("SELECT 1")
        with pytest.raises(BadInput, match="not inside a transaction"):
            take_fingerprint(conn)


def test_file_round_trip_and_bad_files(app_db: str, tmp_path: Path) -> None:
    fp = fingerprint_dsn(app_db, rows="exact", queries={"n": "SELECT 1"})
    path = tmp_path / "sub" / "fp.json"
    save(fp, path)
    assert load(path) == fp
    assert Fingerprint.from_json(fp.to_json()) == fp
    data = json.loads(path.read_text())
    cases: dict[str, tuple[str, str]] = {
        "missing.json": ("", "fingerprint file not found"),
        "garbage.json": ("{not json", "invalid JSON"),
        "other.json": ('{"hello": 1}', "not a pgwarden fingerprint"),
        "noentries.json": (json.dumps({k: v for k, v in data.items() if k != "entries"}), "missing field 'entries'"),
        "edited.json": (
            path.read_text().replace(r"\"type\": \"integer\"", r"\"type\": \"bigint\"", 1),
            "hash does not match its definition",
        ),
        "badrows.json": (json.dumps({**data, "rows": {"x": "many"}}), "rows: every value must be an integer"),
    }
    for name, (text, message) in cases.items():
        bad = tmp_path / name
        if text:
            bad.write_text(text)
        with pytest.raises(BadInput) as err:
            load(bad)
        assert err.value.message.startswith(f"{bad}: ") and message in err.value.message, err.value.message
    with pytest.raises(BadInput, match="is a directory"):
        load(tmp_path)


def test_pagila_without_pgvector_keeps_everything_else() -> None:
    full, _ = pagila_sql(True)
    cut, stripped = pagila_sql(False)
    assert stripped and "vector" in full and "film_embedding" in full
    assert "vector" not in cut.replace("tsvector", "") and "film_embedding" not in cut
    assert cut.count("\nCREATE ") == full.count("\nCREATE ") - 4  # extension, table, index, trigger
    assert "CREATE TABLE public.film (" in cut and "CREATE AGGREGATE public.group_concat" in cut


def test_pagila_probes_identically_twice(pg_server, fresh_db: str) -> None:
    if pg_server.major < 18:
        pytest.skip("pagila's schema uses VIRTUAL generated columns, new in PostgreSQL 18")
    script, stripped = pagila_sql(has_extension(fresh_db, "vector"))
    execute(fresh_db, script)
    a, b = fingerprint_dsn(fresh_db, rows="exact"), fingerprint_dsn(fresh_db, rows="exact")
    d = diff_fingerprints(a, b)
    assert d.identical, d.lines()
    assert "public.film_in_stock(integer, integer)" in names(a, "function")
    assert "public.group_concat(text)" in names(a, "function")
    assert "public.payment_p2022_01" in names(a, "table")
    assert "public.rental_by_category" in names(a, "matview")
    assert ("vector" in names(a, "extension")) is not stripped
    assert ("public.film_embedding" in names(a, "table")) is not stripped
    assert not any(n.startswith("public.vector") for n in names(a, "function"))  # extension members
    assert len(a.entries) > 600


def test_explain_survives_pathological_definitions() -> None:
    """A hand-made fingerprint passes the hash check with any definition; diff must not crash on it."""
    deep = '{"a": ' + "[" * 5000 + "]" * 5000 + "}"
    assert explain(deep, '{"a": 1}') == "definition changed"
    assert explain('{"a": "x"}', '{"a": "y"}') == "a: 'x' -> 'y'"
