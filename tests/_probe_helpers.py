"""Shared set-up for the probe tests: a schema with one or more of every object kind, and pagila."""

from __future__ import annotations

import re

import psycopg

from pgwarden.probe.fingerprint import Fingerprint, FingerprintDiff
from tests.conftest import PAGILA_PARTS, shared_dataset

# Roles are cluster-wide and the test server is shared by every test of a worker: create them once.
ROLES = """
DO $$
BEGIN
  CREATE ROLE pw_probe_alice NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
DO $$
BEGIN
  CREATE ROLE pw_probe_bob NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
"""

SCHEMA = """
CREATE SCHEMA app AUTHORIZATION pw_probe_alice;
CREATE EXTENSION citext;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN app.posint AS integer NOT NULL DEFAULT 1 CHECK (VALUE > 0);
CREATE TYPE app.pair AS (a integer, b text COLLATE "C");
CREATE TYPE app.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE TABLE app.t (
  id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name citext NOT NULL,
  m app.mood DEFAULT 'ok',
  created timestamptz DEFAULT '2020-01-01 00:00+00',
  n app.posint,
  total numeric(10,2) GENERATED ALWAYS AS (id * 2) STORED,
  CONSTRAINT name_len CHECK (length(name) < 100)
) WITH (fillfactor = 80);
CREATE TABLE app.child (id serial PRIMARY KEY,
                        t_id int REFERENCES app.t(id) ON DELETE CASCADE DEFERRABLE,
                        note text);
CREATE INDEX child_note_idx ON app.child (lower(note)) WHERE note IS NOT NULL;
CREATE TABLE app.part (k int, v text) PARTITION BY RANGE (k);
CREATE TABLE app.part_1 PARTITION OF app.part FOR VALUES FROM (0) TO (100);
CREATE UNLOGGED TABLE app.u (x int);
CREATE VIEW app.v WITH (security_barrier) AS SELECT id, name FROM app.t WHERE id > 0;
CREATE MATERIALIZED VIEW app.mv AS SELECT count(*) AS c FROM app.t;
CREATE SEQUENCE app.s INCREMENT 5 MINVALUE 10 CACHE 3;
CREATE FUNCTION app.f(a integer, b text DEFAULT NULL::text) RETURNS text
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = app
  AS $$ BEGIN RETURN a::text || coalesce(b, ''); END $$;
CREATE PROCEDURE app.p(INOUT x int) LANGUAGE sql BEGIN ATOMIC SELECT x + 1; END;
CREATE FUNCTION app.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE FUNCTION app.writes() RETURNS int LANGUAGE sql AS $$ INSERT INTO app.u VALUES (1) RETURNING x $$;
CREATE AGGREGATE app.agg(text) (sfunc = textcat, stype = text, initcond = '');
CREATE TRIGGER t_trg BEFORE UPDATE OF name ON app.t FOR EACH ROW
  WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION app.trg();
CREATE RULE r_ins AS ON INSERT TO app.v DO INSTEAD NOTHING;
ALTER TABLE app.t ENABLE ROW LEVEL SECURITY;
CREATE POLICY pol ON app.t FOR SELECT TO pw_probe_alice, pw_probe_bob USING (id > 0);
GRANT SELECT, INSERT ON app.t TO pw_probe_bob;
GRANT SELECT (note) ON app.child TO pw_probe_alice;
GRANT USAGE ON SCHEMA app TO pw_probe_bob;
REVOKE EXECUTE ON FUNCTION app.f(integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.f(integer, text) TO pw_probe_alice;
GRANT USAGE ON TYPE app.mood TO pw_probe_bob;
ALTER DEFAULT PRIVILEGES FOR ROLE pw_probe_alice IN SCHEMA app GRANT SELECT ON TABLES TO pw_probe_bob;
ALTER DEFAULT PRIVILEGES FOR ROLE pw_probe_alice REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
CREATE FUNCTION app.evt() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER pw_probe_evt ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION app.evt();
CREATE STATISTICS app.st (ndistinct) ON m, n FROM app.t;
CREATE COLLATION app.c_coll (provider = libc, locale = 'C');
CREATE FOREIGN DATA WRAPPER pw_probe_fdw OPTIONS (debug 'true');
CREATE SERVER pw_probe_srv FOREIGN DATA WRAPPER pw_probe_fdw OPTIONS (host 'example', port '5432');
CREATE FOREIGN TABLE app.ft (a int, b text) SERVER pw_probe_srv OPTIONS (table_name 'remote');
SET client_min_messages = error;  -- CREATE PUBLICATION warns that wal_level is minimal here
CREATE PUBLICATION pw_probe_pub FOR TABLE app.child WHERE (id > 0), app.t (id, name);
RESET client_min_messages;
INSERT INTO app.t (name) VALUES ('a'), ('b');
INSERT INTO app.child (t_id, note) VALUES (1, 'x'), (1, NULL), (2, 'y');
REFRESH MATERIALIZED VIEW app.mv;
"""


def execute(dsn: str, sql: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)  # a literal script, no parameters


def build_schema(dsn: str) -> None:
    execute(dsn, ROLES)
    execute(dsn, SCHEMA)


def delta(d: FingerprintDiff) -> set[tuple[str, str, str]]:
    """Every entry difference as (sign, kind, name)."""
    return (
        {("+", e.kind, e.name) for e in d.added}
        | {("-", e.kind, e.name) for e in d.removed}
        | {("~", a.kind, a.name) for a, _b in d.changed}
    )


def names(fp: Fingerprint, kind: str) -> set[str]:
    return {e.name for e in fp.entries if e.kind == kind}


def pagila_sql(have_vector: bool) -> tuple[str, bool]:
    """The pagila schema script, and whether the pgvector parts were cut out.

    pagila needs the ``vector`` extension (pgvector) for one table, ``film_embedding``. Where the
    server lacks it (Debian's PostgreSQL 15 here; the embedded 18 ships it), the TOC blocks of
    pg_dump's script that mention ``vector`` or ``film_embedding`` are dropped: each block starts with
    a ``-- Name: ...; Type: ...`` comment, so whole statements go, never parts of one.
    """
    text = shared_dataset(*PAGILA_PARTS).read_text(encoding="utf-8")
    if have_vector:
        return text, False
    blocks = re.split(r"(?m)^(?=--\n-- Name: )", text)
    kept = [b for b in blocks if not re.search(r"\A--\n-- Name: [^\n]*(vector|film_embedding)", b)]
    return "".join(kept), True


def has_extension(dsn: str, name: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_available_extensions WHERE name = %s", (name,)).fetchone()
    return bool(row and row[0])
