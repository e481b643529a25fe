"""Helpers for the backup / verify-backup tests: a small database shaped like seed 001, raw dumps,
damaged copies, and "the target is unchanged" fingerprints."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import psycopg

from pgwarden import proc
from pgwarden.pg import binaries as pgbin
from pgwarden.probe import probe
from pgwarden.probe.fingerprint import diff_fingerprints

SCHEMA_SQL = """
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app_owner') THEN CREATE ROLE app_owner NOLOGIN; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app_reader') THEN CREATE ROLE app_reader NOLOGIN; END IF;
END $$;
CREATE SCHEMA gov AUTHORIZATION app_owner;
CREATE TABLE public.unit (id int PRIMARY KEY, authority text, fmt text, updated_at timestamptz NOT NULL);
INSERT INTO public.unit SELECT g, 'draft', 'v1', timestamptz '2026-05-16 02:27:27.789235+00' - g * interval '1 s'
FROM generate_series(1, 40) g;
ALTER TABLE public.unit OWNER TO app_owner;
CREATE TABLE gov.alias (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, alias text UNIQUE);
ALTER TABLE gov.alias OWNER TO app_owner;
GRANT SELECT ON public.unit TO app_reader;
ALTER TABLE public.unit ENABLE ROW LEVEL SECURITY;
CREATE POLICY unit_read ON public.unit FOR SELECT TO app_reader USING (true);
CREATE FUNCTION gov.fn_enact(p_id uuid, note text, force boolean DEFAULT false) RETURNS int
    LANGUAGE sql AS $f$ SELECT 1 $f$;
CREATE FUNCTION gov.fn_guard() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RETURN NEW; END $f$;
CREATE TRIGGER trg_guard BEFORE INSERT ON gov.alias FOR EACH ROW EXECUTE FUNCTION gov.fn_guard();
CREATE VIEW public.unit_drafts AS SELECT id FROM public.unit WHERE authority = 'draft';
CREATE TYPE gov.state AS ENUM ('draft', 'enacted');
"""

EXPECT_TOML = """
schemas = ["public", "gov"]
tables = ["public.unit", "gov.alias"]
columns = ["public.unit.authority", "public.unit.fmt"]
views = ["public.unit_drafts"]
functions = ["gov.fn_enact(uuid, text, bool)"]
triggers = ["gov.alias.trg_guard"]
indexes = ["gov.alias_alias_key", "public.unit_pkey"]
sequences = ["gov.alias_id_seq"]
types = ["gov.state"]

[[count]]
table = "public.unit"
where = "authority = 'draft'"
equals = 40

[[count]]
table = "gov.alias"
equals = 0

[[value]]
name = "max_updated_at"
sql = "select max(updated_at) from public.unit"
equals = "2026-05-16 02:27:26.789235+00"
"""


def populate(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SCHEMA_SQL)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw_dump(bins: pgbin.PgBinaries, dsn: str, dest: Path, *extra: str) -> Path:
    """A plain ``pg_dump -Fc`` (no pgwarden), e.g. with ``-Z0``."""
    proc.run([bins.path("pg_dump"), "-Fc", *extra, "-f", dest, "-d", dsn])
    return dest


def truncated_copy(src: Path, dest: Path, keep: float = 0.6) -> Path:
    data = src.read_bytes()
    dest.write_bytes(data[: int(len(data) * keep)])
    return dest


def flipped_copy(src: Path, dest: Path, at: float = 0.8) -> Path:
    data = bytearray(src.read_bytes())
    i = int(len(data) * at)
    data[i] ^= 0xFF
    dest.write_bytes(bytes(data))
    return dest


def fingerprint(dsn: str) -> Any:
    return probe.fingerprint_dsn(dsn, rows="exact")


def assert_unchanged(before: Any, dsn: str) -> None:
    d = diff_fingerprints(before, fingerprint(dsn))
    assert d.identical, "target changed:\n" + "\n".join(d.lines())


def run_json(kit: Path) -> dict[str, Any]:
    return dict(json.loads((kit / "run.json").read_text()))


def gate(kit: Path, name: str) -> dict[str, Any]:
    return next(g for g in run_json(kit)["gates"] if g["name"] == name)
