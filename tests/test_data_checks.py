"""Data checks, judged by the server: each check's count against the server executing the statement on the
same rows, with a passing near miss for each, on PostgreSQL 15 and 18."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from pgwarden.preflight.data.execute import DataStatus
from pgwarden.preflight.statement_impact import predict_data
from tests.conftest import Server, named_db

SETUP = """
CREATE TABLE parent (id bigint PRIMARY KEY, a int, b int, UNIQUE (a, b));
INSERT INTO parent SELECT g, g, g FROM generate_series(1, 20) g;
CREATE TABLE t (id bigint PRIMARY KEY, v text, w text, k int, active boolean, pid bigint, a int, b int,
                code text, short varchar(12), email text);
INSERT INTO t SELECT g, 'v' || g, 'w' || g, g, true, g % 20 + 1, g % 20 + 1, g % 20 + 1, g::text, 's' || g,
                     'u' || g || '@x' FROM generate_series(1, 500) g;
CREATE TABLE empty_t (id int);
"""

NOT_JUDGED = -2  # the check must say it cannot judge (and the server refuses: a guess either way would be wrong)
# (id, rows to change first, statement, offending rows (0: the near miss, which must pass))
CASES: list[tuple[str, str, str, int]] = [
    ("set_not_null", "UPDATE t SET v = NULL WHERE id IN (3, 9)", "ALTER TABLE t ALTER COLUMN v SET NOT NULL", 2),
    ("set_not_null_near", "UPDATE t SET w = NULL WHERE id IN (3, 9)", "ALTER TABLE t ALTER COLUMN v SET NOT NULL", 0),
    ("check", "UPDATE t SET k = -k WHERE id <= 3", "ALTER TABLE t ADD CONSTRAINT t_k_check CHECK (k > 0)", 3),
    ("check_default_name", "UPDATE t SET k = -k WHERE id <= 3", "ALTER TABLE t ADD CHECK (k > 0)", 3),
    ("check_near", "UPDATE t SET k = NULL WHERE id <= 3", "ALTER TABLE t ADD CONSTRAINT t_k_check CHECK (k > 0)", 0),
    ("unique_index", "UPDATE t SET v = 'dup' WHERE id IN (5, 6, 7)", "CREATE UNIQUE INDEX t_v_uq ON t (v)", 3),
    ("unique_index_default_name", "UPDATE t SET v = 'dup' WHERE id IN (5, 6)", "CREATE UNIQUE INDEX ON t (v)", 2),
    ("unique_index_near", "UPDATE t SET v = NULL WHERE id IN (5, 6, 7)", "CREATE UNIQUE INDEX t_v_uq ON t (v)", 0),
    (
        "unique_partial",
        "UPDATE t SET v = 'dup', active = (id = 5) WHERE id IN (5, 6)",
        "CREATE UNIQUE INDEX t_v_uq ON t (v) WHERE NOT active",
        0,
    ),
    (
        "unique_partial_hit",
        "UPDATE t SET v = 'dup', active = false WHERE id IN (5, 6)",
        "CREATE UNIQUE INDEX t_v_uq ON t (v) WHERE NOT active",
        2,
    ),
    (
        "unique_expression",
        "UPDATE t SET email = upper(email) WHERE id = 8; UPDATE t SET email = 'u8@x' WHERE id = 9",
        "CREATE UNIQUE INDEX t_email_uq ON t (lower(email))",
        2,
    ),
    ("add_unique", "UPDATE t SET w = 'same' WHERE id IN (1, 2)", "ALTER TABLE t ADD CONSTRAINT t_w_key UNIQUE (w)", 2),
    (
        "add_unique_near",
        "UPDATE t SET w = NULL WHERE id IN (1, 2)",
        "ALTER TABLE t ADD CONSTRAINT t_w_key UNIQUE (w)",
        0,
    ),
    (
        "primary_key_nulls",
        "ALTER TABLE t DROP CONSTRAINT t_pkey, ALTER COLUMN id DROP NOT NULL; UPDATE t SET id = NULL WHERE id = 4",
        "ALTER TABLE t ADD PRIMARY KEY (id)",
        1,
    ),
    ("primary_key_near", "ALTER TABLE t DROP CONSTRAINT t_pkey", "ALTER TABLE t ADD PRIMARY KEY (id)", 0),
    (
        "foreign_key",
        "UPDATE t SET pid = 900 + id WHERE id IN (1, 2)",
        "ALTER TABLE t ADD CONSTRAINT t_pid_fk FOREIGN KEY (pid) REFERENCES parent (id)",
        2,
    ),
    (
        "foreign_key_default_name",
        "UPDATE t SET pid = 999 WHERE id = 1",
        "ALTER TABLE t ADD FOREIGN KEY (pid) REFERENCES parent",
        1,
    ),
    (
        "foreign_key_near",
        "UPDATE t SET pid = NULL WHERE id IN (1, 2)",
        "ALTER TABLE t ADD CONSTRAINT t_pid_fk FOREIGN KEY (pid) REFERENCES parent (id)",
        0,
    ),
    (
        "foreign_key_match_full",
        "UPDATE t SET b = NULL WHERE id = 1",
        "ALTER TABLE t ADD CONSTRAINT t_ab_fk FOREIGN KEY (a, b) REFERENCES parent (a, b) MATCH FULL",
        1,
    ),
    (
        "foreign_key_match_simple_near",
        "UPDATE t SET b = NULL WHERE id = 1",
        "ALTER TABLE t ADD CONSTRAINT t_ab_fk FOREIGN KEY (a, b) REFERENCES parent (a, b)",
        0,
    ),
    ("cast", "UPDATE t SET code = 'abc' WHERE id = 12", "ALTER TABLE t ALTER COLUMN code TYPE int USING code::int", 1),
    (
        "cast_near",
        "UPDATE t SET code = ' 42 ' WHERE id = 12",
        "ALTER TABLE t ALTER COLUMN code TYPE int USING code::int",
        0,
    ),
    (
        "cast_using_expression",
        "UPDATE t SET code = '1.5.2' WHERE id = 3",
        "ALTER TABLE t ALTER COLUMN code TYPE numeric USING replace(code, ',', '.')::numeric",
        -1,
    ),
    (
        "too_long",
        "UPDATE t SET short = 'abcdefghij' WHERE id = 7",
        "ALTER TABLE t ALTER COLUMN short TYPE varchar(8)",
        1,
    ),
    (
        "too_long_near",
        "UPDATE t SET short = 'abcdefgh    ' WHERE id = 7",
        "ALTER TABLE t ALTER COLUMN short TYPE varchar(8)",
        0,
    ),
    (
        "validate_check",
        "UPDATE t SET k = -k WHERE id <= 2; ALTER TABLE t ADD CONSTRAINT t_k_pos CHECK (k > 0) NOT VALID",
        "ALTER TABLE t VALIDATE CONSTRAINT t_k_pos",
        2,
    ),
    (
        "validate_check_near",
        "ALTER TABLE t ADD CONSTRAINT t_k_pos CHECK (k > 0) NOT VALID",
        "ALTER TABLE t VALIDATE CONSTRAINT t_k_pos",
        0,
    ),
    (
        "validate_foreign_key",
        "UPDATE t SET pid = 777 WHERE id = 5; "
        "ALTER TABLE t ADD CONSTRAINT t_pid_fk FOREIGN KEY (pid) REFERENCES parent (id) NOT VALID",
        "ALTER TABLE t VALIDATE CONSTRAINT t_pid_fk",
        1,
    ),
    (
        "validate_after_add_in_the_package",
        "UPDATE t SET k = 0 WHERE id = 9",
        "ALTER TABLE t ADD CONSTRAINT t_k_pos CHECK (k > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT t_k_pos",
        1,
    ),
    (
        "unique_composite",
        "CREATE TYPE pair AS (a int, b int); ALTER TABLE t ADD COLUMN c pair; "
        "UPDATE t SET c = ROW(1, NULL) WHERE id IN (1, 2)",
        "CREATE UNIQUE INDEX t_c_uq ON t (c)",
        2,
    ),
    (
        "set_not_null_composite_near",
        "CREATE TYPE pair AS (a int, b int); ALTER TABLE t ADD COLUMN c pair; UPDATE t SET c = ROW(NULL, NULL)",
        "ALTER TABLE t ALTER COLUMN c SET NOT NULL",
        0,
    ),
    (
        "unique_inherited_near",
        "CREATE TABLE t_child () INHERITS (t); INSERT INTO t_child (id, v) VALUES (10001, 'v1')",
        "CREATE UNIQUE INDEX t_v_uq ON t (v)",
        0,
    ),
    (
        "check_no_inherit_near",
        "CREATE TABLE t_child () INHERITS (t); INSERT INTO t_child (id, k) VALUES (10001, -5)",
        "ALTER TABLE t ADD CONSTRAINT t_k_pos CHECK (k > 0) NO INHERIT",
        0,
    ),
    (
        "foreign_key_to_an_inheritance_parent",
        "CREATE TABLE ip (id bigint PRIMARY KEY); "
        "INSERT INTO ip SELECT g FROM generate_series(1, 20) g; CREATE TABLE ic () INHERITS (ip); "
        "INSERT INTO ic VALUES (99); UPDATE t SET pid = 99 WHERE id = 1",
        "ALTER TABLE t ADD CONSTRAINT t_pid_fk FOREIGN KEY (pid) REFERENCES ip (id)",
        1,
    ),
    (
        "an_earlier_subcommand_changes_the_values",
        "UPDATE t SET code = '' WHERE id = 3",
        "ALTER TABLE t ALTER COLUMN code TYPE int USING NULLIF(code, '')::int, ALTER COLUMN code SET NOT NULL",
        NOT_JUDGED,
    ),
    ("cast_without_using_and_no_assignment_cast", "", "ALTER TABLE t ALTER COLUMN code TYPE int", NOT_JUDGED),
    (
        "subquery_in_check",
        "",
        "ALTER TABLE t ADD CONSTRAINT t_q CHECK ((SELECT count(*) FROM pg_class) > 0)",
        NOT_JUDGED,
    ),
    ("add_column_if_not_exists_near", "", "ALTER TABLE t ADD COLUMN IF NOT EXISTS k int NOT NULL", 0),
    ("add_not_null_column", "", "ALTER TABLE t ADD COLUMN must text NOT NULL", 500),
    ("add_not_null_column_near", "", "ALTER TABLE empty_t ADD COLUMN must text NOT NULL", 0),
]


@pytest.fixture(scope="module")
def data_db(pg_server: Server) -> Iterator[str]:
    with named_db(pg_server, f"datachecks_{pg_server.major}") as dsn:
        yield dsn


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_data_check_agrees_with_the_server(data_db: str, case: tuple[str, str, str, int]) -> None:
    name, change, statement, offending = case
    schema = f"d_{name}"
    with psycopg.connect(data_db, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        conn.execute(f"SET search_path = {schema}")
        conn.execute(SETUP)
        if change:
            conn.execute(change)
        conn.execute("ANALYZE")
        results = predict_data(conn, statement)
        major = conn.info.server_version // 10000
        refused = [r for r in results if r.status is DataStatus.REFUSED]
        if offending == NOT_JUDGED:
            assert any(r.status is DataStatus.NOT_JUDGED for r in results) and not refused, results
        elif offending != 0 or "near" not in name or results:
            assert results, "the statement depends on existing rows: a data check must be planned"
            assert all(r.status is not DataStatus.NOT_JUDGED for r in results), results
        server_error = None
        try:
            with conn.transaction(force_rollback=True):
                conn.execute(statement)
        except psycopg.Error as exc:
            server_error = exc
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
    if offending == NOT_JUDGED:
        assert server_error is not None, "not judged where the server accepts: the case shows nothing"
        return
    if offending == 0:
        assert not refused, f"false alarm: {refused}"
        assert server_error is None, f"near miss: the server refused it: {server_error}"
        return
    assert server_error is not None, f"predicted {refused}, but the server accepted the statement"
    assert refused, f"miss: the server refused it ({server_error.sqlstate} {server_error.diag.message_primary})"
    r = refused[0]
    assert r.sqlstate == server_error.sqlstate
    if r.server_message:
        assert r.server_message == server_error.diag.message_primary
    if name.startswith("cast") and major < 16:  # no pg_input_is_valid(): the conversion fails, uncounted
        assert r.rows is None and r.summary.startswith("at least one row cannot be converted")
    elif offending > 0:
        assert r.rows == offending, r.summary
        assert r.keys, "the offending rows' keys are shown"


def test_a_volatile_function_in_a_domain_check_is_never_called(data_db: str) -> None:
    """Converting to a domain runs its CHECK constraints: their functions are resolved first, like the query's."""
    with psycopg.connect(data_db, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS d_domain CASCADE; CREATE SCHEMA d_domain; SET search_path = d_domain")
        conn.execute(
            "CREATE FUNCTION mark(int) RETURNS boolean LANGUAGE sql VOLATILE AS "
            "$$ SELECT pg_try_advisory_lock(424242) $$;"
            "CREATE DOMAIN inner_d AS int CHECK (mark(VALUE)); CREATE DOMAIN outer_d AS inner_d;"
            "CREATE TABLE t (id int PRIMARY KEY, x int); INSERT INTO t VALUES (1, 1)"
        )
        results = predict_data(conn, "ALTER TABLE t ALTER COLUMN x TYPE outer_d")
        held = conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 424242").fetchone()
        conn.execute("DROP SCHEMA d_domain CASCADE")
    assert held == (0,), "the VOLATILE function ran"
    (r,) = results
    assert r.status is DataStatus.NOT_JUDGED and "VOLATILE" in r.summary and "mark(integer)" in r.summary


def test_the_keys_shown_are_the_least_in_byte_order(data_db: str) -> None:
    """Which offending rows a kit names does not depend on where they lie in the table: the five least keys as
    text in byte order (COLLATE "C"), whatever the updates did to the heap or the database's collation."""
    with psycopg.connect(data_db, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS d_order CASCADE; CREATE SCHEMA d_order; SET search_path = d_order")
        conn.execute(
            'CREATE TABLE t (id int PRIMARY KEY, v text COLLATE "C", w text COLLATE "POSIX", k int);'
            "INSERT INTO t SELECT g, 'v' || g, 'w' || g, g FROM generate_series(1, 400) g"
        )
        for i in (300, 9, 40, 7, 100, 5, 12):  # one at a time: each new row version lands at the end of the heap
            conn.execute("UPDATE t SET v = NULL, k = -k WHERE id = %s", (i,))
        conn.execute("UPDATE t SET w = 'dup', v = 'dup' WHERE id IN (250, 3, 77)")
        least = ("(100)", "(12)", "(300)", "(40)", "(5)")
        (nulls,) = predict_data(conn, "ALTER TABLE t ALTER COLUMN v SET NOT NULL")
        (check,) = predict_data(conn, "ALTER TABLE t ADD CHECK (k > 0)")
        (dup,) = predict_data(conn, "CREATE UNIQUE INDEX ON t (v, w)")  # a key of two collations
        conn.execute("DROP SCHEMA d_order CASCADE")
    assert (nulls.rows, nulls.keys) == (7, tuple(f"(id)={k}" for k in least)), nulls
    assert (check.rows, check.keys) == (7, tuple(f"(id)={k}" for k in least)), check
    assert (dup.rows, dup.keys) == (3, ("(v, w)=(dup, dup) ×3",)), dup
