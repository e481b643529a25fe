"""Sidecars: runnable, pinned definitions of what a package replaces, alters or drops."""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg

from pgwarden.evidence.blocks import Report
from pgwarden.evidence.kit import EvidenceKit
from pgwarden.evidence.verify import verify_kit
from pgwarden.package.lock import lock
from pgwarden.package.manifest import load_package
from pgwarden.preflight.run import sidecar_targets
from pgwarden.preflight.sidecars import Sidecar, SidecarTarget, capture_sidecars

SETUP = """
CREATE TABLE acct (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2) DEFAULT 0);
CREATE INDEX acct_owner ON acct (owner);
CREATE SEQUENCE acct_seq START 100;
CREATE FUNCTION fn_note(p_id int, p_note text DEFAULT NULL::text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$ BEGIN RETURN p_id::text || coalesce(p_note, ''); END $$;
CREATE PROCEDURE pr_touch(p_id int) LANGUAGE sql AS 'SELECT 1';
CREATE AGGREGATE agg_sum(numeric) (sfunc = numeric_add, stype = numeric, initcond = '0');
CREATE FUNCTION fn_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER trg_guard BEFORE UPDATE ON acct FOR EACH ROW EXECUTE FUNCTION fn_guard();
CREATE VIEW v_rich WITH (security_barrier = true) AS SELECT id, owner FROM acct WHERE balance > 1000
    WITH LOCAL CHECK OPTION;
"""

PACKAGE_SQL = """
CREATE OR REPLACE FUNCTION fn_note(p_id int, p_note text DEFAULT NULL::text) RETURNS text
    LANGUAGE plpgsql AS $$ BEGIN RETURN 'x'; END $$;
CREATE OR REPLACE PROCEDURE pr_touch(p_id int) LANGUAGE sql AS 'SELECT 2';
CREATE OR REPLACE AGGREGATE agg_sum(numeric) (sfunc = numeric_add, stype = numeric, initcond = '1');
CREATE OR REPLACE VIEW v_rich AS SELECT id, owner FROM acct;
CREATE OR REPLACE TRIGGER trg_guard BEFORE INSERT ON acct FOR EACH ROW EXECUTE FUNCTION fn_guard();
ALTER TABLE acct ADD COLUMN note text;
DROP INDEX acct_owner;
ALTER SEQUENCE acct_seq RESTART;
DROP SEQUENCE acct_seq;
"""


def _setup(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SETUP)


def _package(root: Path) -> Path:
    root.mkdir()
    (root / "A.sql").write_text(PACKAGE_SQL, encoding="utf-8")
    (root / "pgwarden.toml").write_text(
        '[package]\nname = "s"\n\n[[bundle]]\nid = "A"\ntitle = "A"\n'
        'apply = "A.sql"\nrollback = "none"\nreason = "test"\n',
        encoding="utf-8",
    )
    lock(root)
    return root


def _capture(dsn: str, pkg: Path, kit: EvidenceKit | None) -> dict[str, Sidecar]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return {s.kind: s for s in capture_sidecars(sidecar_targets(load_package(pkg), conn), conn, dsn, kit)}


def test_every_kind_is_captured_pinned_and_reproducible(tmp_path: Path, fresh_db: str) -> None:
    _setup(fresh_db)
    pkg = _package(tmp_path / "pkg")
    kit = EvidenceKit.create(tmp_path / "kit", "check", {})
    sidecars = _capture(fresh_db, pkg, kit)
    assert sorted(sidecars) == ["aggregate", "function", "index", "procedure", "sequence", "table", "trigger", "view"]
    for s in sidecars.values():
        assert s.path is not None and s.path.startswith("sidecars/")
        data = (kit.root / s.path).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (s.sha256, s.bytes)
        assert b"\\restrict" not in data
    with psycopg.connect(fresh_db) as conn:
        md5s = conn.execute(
            "SELECT (SELECT md5(prosrc) FROM pg_proc WHERE proname = 'fn_note'), "
            "(SELECT md5(pg_get_viewdef('v_rich'::regclass))), "
            "(SELECT md5(pg_get_triggerdef(oid)) FROM pg_trigger WHERE tgname = 'trg_guard')"
        ).fetchone()
    assert md5s == (sidecars["function"].body_md5, sidecars["view"].body_md5, sidecars["trigger"].body_md5)
    view = (kit.root / str(sidecars["view"].path)).read_text()
    assert "security_barrier=true" in view and "check_option=local" in view
    assert "DEFAULT NULL::text" in (kit.root / str(sidecars["function"].path)).read_text()
    assert "CREATE TABLE public.acct" in (kit.root / str(sidecars["table"].path)).read_text()
    # No timestamps, no random keys: the same objects give the same bytes.
    again = _capture(fresh_db, pkg, None)
    assert {k: s.sha256 for k, s in again.items()} == {k: s.sha256 for k, s in sidecars.items()}
    assert all(s.path is None for s in again.values())
    kit.finish("PASS", Report("t", "", "PASS", ()), {}, [])
    assert verify_kit(kit.root).ok


def test_sidecars_are_runnable_sql(tmp_path: Path, fresh_db: str) -> None:
    """Drop each object, run its sidecar, and capture again: the same bytes come back."""
    _setup(fresh_db)
    kit = EvidenceKit.create(tmp_path / "kit", "check", {})
    before = _capture(fresh_db, _package(tmp_path / "pkg"), kit)
    drops = {
        "view": "DROP VIEW v_rich",
        "trigger": "DROP TRIGGER trg_guard ON acct",
        "function": "DROP FUNCTION fn_note(int, text)",
        "aggregate": "DROP AGGREGATE agg_sum(numeric)",
        "procedure": "DROP PROCEDURE pr_touch(int)",
        "index": "DROP INDEX acct_owner",
        "sequence": "DROP SEQUENCE acct_seq",
    }
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for kind, drop in drops.items():
            conn.execute(drop)
            conn.execute((kit.root / str(before[kind].path)).read_text())
            conn.execute("RESET search_path")  # pg_dump's output empties it
        conn.execute("DROP TABLE acct CASCADE")
        conn.execute((kit.root / str(before["table"].path)).read_text())
        conn.execute("RESET search_path")
        conn.execute((kit.root / str(before["view"].path)).read_text())
    after = _capture(fresh_db, tmp_path / "pkg", None)
    assert {k: s.sha256 for k, s in after.items()} == {k: s.sha256 for k, s in before.items()}


def test_explicit_targets_and_nothing_to_capture(fresh_db: str) -> None:
    _setup(fresh_db)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        assert capture_sidecars([], conn, fresh_db, None) == ()
        oid = conn.execute("SELECT 'fn_note(int, text)'::regprocedure::oid::int").fetchone()
        assert oid is not None
        (s,) = capture_sidecars(
            [SidecarTarget("function", "public", "fn_note(integer,text)", oid[0])], conn, None, None
        )
    assert (s.kind, s.name) == ("function", "public.fn_note(p_id integer, p_note text)")
