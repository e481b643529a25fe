"""Lock impact, proven against the server: the predicted lock is the one pg_locks shows, and the predicted
rewrite is what pg_relation_filenode() shows, on PostgreSQL 15 and 18.

Each case runs its statement in an open transaction on one session while a second session reads
``pg_locks`` for that backend; then the transaction commits and the filenodes are compared.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import psycopg
import pytest

from pgwarden.preflight.locks.modes import LockMode, Work
from pgwarden.preflight.statement_impact import predict_locks
from tests.conftest import Server, named_db

BASE = """
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TABLE parent (id bigint PRIMARY KEY, name text);
INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 50) g;
CREATE TABLE t (id bigint PRIMARY KEY, parent_id bigint, v text, n numeric(8,2), vc varchar(10), k int,
                CONSTRAINT t_k_check CHECK (k > 0) NOT VALID);
INSERT INTO t SELECT g, g % 50 + 1, 'v' || g, g, 'c' || g, g FROM generate_series(1, 200) g;
CREATE UNIQUE INDEX t_v_idx ON t (v);
CREATE MATERIALIZED VIEW mv AS SELECT id, name FROM parent;
CREATE TABLE part (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE part_2025 PARTITION OF part FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE loose (id int, at date);
CREATE TABLE kid (id int, pid bigint, CONSTRAINT kid_fk FOREIGN KEY (pid) REFERENCES parent (id));
CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER t_trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION trg();
"""

AE, SRE, SUE, SH, RE = (
    LockMode.ACCESS_EXCLUSIVE,
    LockMode.SHARE_ROW_EXCLUSIVE,
    LockMode.SHARE_UPDATE_EXCLUSIVE,
    LockMode.SHARE,
    LockMode.ROW_EXCLUSIVE,
)

# (id, statement, {relation: lock the rules must predict}, relations the rules must predict a rewrite of)
# The expectations are the documented lock table; the test asserts both the prediction and the server agree.
CASES: list[tuple[str, str, dict[str, LockMode], set[str]]] = [
    ("add_column", "ALTER TABLE t ADD COLUMN c int", {"t": AE}, set()),
    ("add_column_const_default", "ALTER TABLE t ADD COLUMN c int DEFAULT 0", {"t": AE}, set()),
    ("add_column_stable_default", "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now()", {"t": AE}, set()),
    (
        "add_column_volatile_default",
        "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT clock_timestamp()",
        {"t": AE},
        {"t"},
    ),
    ("add_column_identity", "ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS IDENTITY", {"t": AE}, {"t"}),
    ("add_column_bigserial", "ALTER TABLE t ADD COLUMN c bigserial", {"t": AE}, {"t"}),
    ("add_column_domain", "ALTER TABLE t ADD COLUMN c posint", {"t": AE}, {"t"}),
    ("add_column_stored", "ALTER TABLE t ADD COLUMN c bigint GENERATED ALWAYS AS (id * 2) STORED", {"t": AE}, {"t"}),
    (
        "add_column_virtual_pg18",
        "ALTER TABLE t ADD COLUMN c bigint GENERATED ALWAYS AS (id * 2) VIRTUAL",
        {"t": AE},
        set(),
    ),
    ("type_varchar_wider", "ALTER TABLE t ALTER COLUMN vc TYPE varchar(20)", {"t": AE}, set()),
    ("type_varchar_narrower", "ALTER TABLE t ALTER COLUMN vc TYPE varchar(8)", {"t": AE}, {"t"}),
    ("type_varchar_to_text", "ALTER TABLE t ALTER COLUMN vc TYPE text", {"t": AE}, set()),
    ("type_text_to_varchar_n", "ALTER TABLE t ALTER COLUMN v TYPE varchar(30)", {"t": AE}, {"t"}),
    ("type_int_to_bigint", "ALTER TABLE t ALTER COLUMN k TYPE bigint", {"t": AE}, {"t"}),
    ("type_numeric_precision", "ALTER TABLE t ALTER COLUMN n TYPE numeric(10,2)", {"t": AE}, set()),
    ("type_numeric_scale", "ALTER TABLE t ALTER COLUMN n TYPE numeric(10,3)", {"t": AE}, {"t"}),
    ("type_using", "ALTER TABLE t ALTER COLUMN v TYPE text USING upper(v)", {"t": AE}, {"t"}),
    ("set_not_null", "ALTER TABLE t ALTER COLUMN v SET NOT NULL", {"t": AE}, set()),
    ("drop_not_null", "ALTER TABLE parent ALTER COLUMN name DROP NOT NULL", {"parent": AE}, set()),
    ("set_default", "ALTER TABLE t ALTER COLUMN k SET DEFAULT 1", {"t": AE}, set()),
    ("add_check", "ALTER TABLE t ADD CONSTRAINT t_id_check CHECK (id > 0)", {"t": AE}, set()),
    ("add_check_not_valid", "ALTER TABLE t ADD CONSTRAINT t_id_check CHECK (id > 0) NOT VALID", {"t": AE}, set()),
    ("validate_constraint", "ALTER TABLE t VALIDATE CONSTRAINT t_k_check", {"t": SUE}, set()),
    (
        "add_foreign_key",
        "ALTER TABLE t ADD CONSTRAINT t_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id)",
        {"t": SRE, "parent": SRE},
        set(),
    ),
    (
        "add_foreign_key_not_valid",
        "ALTER TABLE t ADD FOREIGN KEY (parent_id) REFERENCES parent NOT VALID",
        {"t": SRE, "parent": SRE},
        set(),
    ),
    ("add_unique", "ALTER TABLE t ADD CONSTRAINT t_vc_key UNIQUE (vc)", {"t": AE}, set()),
    ("add_unique_using_index", "ALTER TABLE t ADD CONSTRAINT t_v_key UNIQUE USING INDEX t_v_idx", {"t": AE}, set()),
    ("create_index", "CREATE INDEX t_k_idx ON t (k)", {"t": SH}, set()),
    ("create_unique_index", "CREATE UNIQUE INDEX t_vc_idx ON t (vc)", {"t": SH}, set()),
    ("drop_index", "DROP INDEX t_v_idx", {"t": AE, "t_v_idx": AE}, set()),
    (
        "create_trigger",
        "CREATE TRIGGER t_trg2 AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION trg()",
        {"t": SRE},
        set(),
    ),
    ("disable_trigger", "ALTER TABLE t DISABLE TRIGGER t_trg", {"t": SRE}, set()),
    ("set_statistics", "ALTER TABLE t ALTER COLUMN k SET STATISTICS 500", {"t": SUE}, set()),
    ("set_fillfactor", "ALTER TABLE t SET (fillfactor = 70)", {"t": SUE}, set()),
    ("set_autovacuum", "ALTER TABLE t SET (autovacuum_enabled = false)", {"t": SUE}, set()),
    ("cluster_on", "ALTER TABLE t CLUSTER ON t_pkey", {"t": SUE}, set()),
    ("set_unlogged", "ALTER TABLE loose SET UNLOGGED", {"loose": AE}, {"loose"}),
    ("set_storage", "ALTER TABLE t ALTER COLUMN v SET STORAGE external", {"t": AE}, set()),
    ("replica_identity", "ALTER TABLE t REPLICA IDENTITY FULL", {"t": AE}, set()),
    ("enable_rls", "ALTER TABLE t ENABLE ROW LEVEL SECURITY", {"t": AE}, set()),
    ("create_policy", "CREATE POLICY p ON t USING (k > 0)", {"t": AE}, set()),
    ("rename_column", "ALTER TABLE t RENAME COLUMN k TO k2", {"t": AE}, set()),
    ("rename_table", "ALTER TABLE loose RENAME TO loose2", {"loose": AE}, set()),
    ("rename_index", "ALTER INDEX t_v_idx RENAME TO t_v_idx2", {"t_v_idx": SUE}, set()),
    ("comment", "COMMENT ON TABLE t IS 'x'", {"t": SUE}, set()),
    ("truncate", "TRUNCATE loose", {"loose": AE}, {"loose"}),
    ("drop_table", "DROP TABLE loose", {"loose": AE}, set()),
    ("lock_share", "LOCK TABLE t IN SHARE MODE", {"t": SH}, set()),
    ("insert", "INSERT INTO loose VALUES (1, '2025-02-01')", {"loose": RE}, set()),
    ("update", "UPDATE t SET k = k + 1 WHERE id = 1", {"t": RE}, set()),
    ("delete", "DELETE FROM loose", {"loose": RE}, set()),
    ("refresh_matview", "REFRESH MATERIALIZED VIEW mv", {"mv": AE}, {"mv"}),
    ("cluster", "CLUSTER t USING t_pkey", {"t": AE}, {"t"}),
    ("reindex_table", "REINDEX TABLE t", {"t": SH}, set()),
    (
        "create_table_references",
        "CREATE TABLE child (id int, pid bigint REFERENCES parent (id))",
        {"parent": SRE},
        set(),
    ),
    (
        "create_partition_of",
        "CREATE TABLE part_2026 PARTITION OF part FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
        {"part": AE},
        set(),
    ),
    (
        "attach_partition",
        "ALTER TABLE part ATTACH PARTITION loose FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
        {"part": SUE, "loose": AE},
        set(),
    ),
    ("detach_partition", "ALTER TABLE part DETACH PARTITION part_2025", {"part": AE, "part_2025": AE}, set()),
    ("create_statistics", "CREATE STATISTICS t_stats ON k, n FROM t", {"t": SUE}, set()),
    ("owner_to", "ALTER TABLE loose OWNER TO CURRENT_USER", {"loose": AE}, set()),
    ("drop_table_with_a_foreign_key", "DROP TABLE kid", {"kid": AE, "parent": AE}, set()),
    ("drop_foreign_key", "ALTER TABLE kid DROP CONSTRAINT kid_fk", {"kid": AE, "parent": AE}, set()),
    ("drop_foreign_key_column", "ALTER TABLE kid DROP COLUMN pid", {"kid": AE, "parent": AE}, set()),
]

_schemas = itertools.count()


@pytest.fixture(scope="module")
def lock_db(pg_server: Server) -> Iterator[str]:
    with named_db(pg_server, f"locks_{pg_server.major}") as dsn:
        yield dsn


def _held(observer: psycopg.Connection, pid: int, schema: str) -> dict[str, LockMode]:
    """The strongest granted relation lock of backend ``pid`` on each relation of ``schema``."""
    rows = observer.execute(
        "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE l.pid = %s AND l.locktype = 'relation' AND l.granted AND n.nspname = %s",
        (pid, schema),
    ).fetchall()
    out: dict[str, LockMode] = {}
    for rel, mode in rows:
        m = LockMode(mode)
        if rel not in out or m.rank > out[rel].rank:
            out[rel] = m
    return out


def _filenodes(conn: psycopg.Connection, schema: str, names: list[str]) -> dict[str, int | None]:
    rows = conn.execute(
        "SELECT c.relname, pg_relation_filenode(c.oid) FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = ANY(%s)",
        (schema, names),
    ).fetchall()
    return {r[0]: r[1] for r in rows}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_predicted_lock_and_rewrite_match_the_server(
    lock_db: str, pg_server: Server, case: tuple[str, str, dict[str, LockMode], set[str]]
) -> None:
    name, statement, expected, rewrites = case
    if name.endswith("_pg18") and pg_server.major < 18:
        pytest.skip("syntax new in PostgreSQL 18")
    schema = f"c_{name}"
    with psycopg.connect(lock_db, autocommit=True) as observer:
        observer.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        observer.execute(f"SET search_path = {schema}")
        observer.execute(BASE)
        observer.execute("ANALYZE")
        predicted = {i.name: i for i in predict_locks(observer, statement)[0]}
        # the rules' own claim, against the documented lock table
        assert {r: i.mode for r, i in predicted.items()} == expected, f"predicted {predicted}"
        assert {r for r, i in predicted.items() if i.new_storage} == rewrites
        assert all(
            i.work is Work.REWRITE
            for r, i in predicted.items()
            if r in rewrites and i.new_storage and name != "truncate"
        )
        before = _filenodes(observer, schema, list(predicted))
        with psycopg.connect(lock_db) as runner:  # the statement, held open in its transaction
            runner.execute(f"SET search_path = {schema}")
            runner.execute(statement)
            held = _held(observer, runner.info.backend_pid, schema)
            runner.commit()
        after = _filenodes(observer, schema, list(predicted))
        observer.execute(f"DROP SCHEMA {schema} CASCADE")
    for rel, impact in predicted.items():
        assert held.get(rel) is impact.mode, f"{rel}: server holds {held.get(rel)}, predicted {impact.mode}"
    # no relation of the case got a lock that blocks writes without the rules predicting it
    tables = {"t", "parent", "loose", "part", "part_2025", "mv", "kid"}
    unpredicted = {r: m for r, m in held.items() if r in tables and r not in predicted and m.blocks_writes}
    assert not unpredicted, f"locks the rules do not predict: {unpredicted}"
    for rel in predicted:
        if rel in before and rel in after:
            assert (before[rel] != after[rel]) == (rel in rewrites), (
                f"{rel}: filenode {before[rel]} -> {after[rel]}, predicted rewrite: {rel in rewrites}"
            )
