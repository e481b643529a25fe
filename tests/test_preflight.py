"""Preflight on whole packages: the seed-000 shape end to end, cross-bundle state, rollback files.

Everything runs against a real server; nothing is executed on it (compared before and after).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import psycopg

from pgwarden.package.lock import lock
from pgwarden.package.manifest import load_package
from pgwarden.preflight.engine import predict
from pgwarden.preflight.run import run_preflight
from tests._preflight_pkg import catalog_fingerprint, setup_production, write_package
from tests.conftest import result_of

FIX = "keep `p_review_note text DEFAULT NULL::text`: CREATE OR REPLACE cannot remove parameter defaults"
HINT = "Use DROP FUNCTION fn_iu_apply_edit_draft(uuid,text,text) first."


def _live_fn(dsn: str) -> dict[str, Any]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT md5(prosrc), length(prosrc), prosecdef, proconfig, pg_get_functiondef(oid) FROM pg_proc "
            "WHERE proname = 'fn_iu_apply_edit_draft'"
        ).fetchone()
    assert row is not None
    return {"body_md5": row[0], "body_len": row[1], "prosecdef": row[2], "proconfig": row[3], "def": row[4]}


def test_seed_000_shape_fails_at_preflight_and_nothing_runs(tmp_path: Path, fresh_db: str, cli: Any) -> None:
    setup_production(fresh_db)
    pkg = write_package(tmp_path / "pkg", keep_default=False)
    before = catalog_fingerprint(fresh_db)
    kit = tmp_path / "kit"
    r = cli("check", str(pkg), "--dsn", fresh_db, "--out", str(kit), "--json")
    assert r.returncode == 1, r.stderr
    errors = [f for f in result_of(r)["findings"] if f["severity"] == "error"]
    assert len(errors) == 1, errors
    f = errors[0]
    live = _live_fn(fresh_db)
    assert (f["bundle"], f["file"], f["line"], f["rule"]) == ("E", "E.sql", 1, "preflight.replace.defaults_removed")
    assert (f["sqlstate"], f["message"], f["hint"]) == (
        "42P13",
        "cannot remove parameter defaults from existing function",
        HINT,
    )
    assert f["fix"] == FIX
    facts = f["facts"]
    assert facts["identity_args"] == "p_draft_id uuid, p_actor text, p_review_note text"
    assert facts["full_args"] == "p_draft_id uuid, p_actor text, p_review_note text DEFAULT NULL::text"
    assert (facts["body_md5"], facts["body_len"]) == (live["body_md5"], live["body_len"])
    assert facts["prosecdef"] is True and facts["proconfig"] == ["search_path=pg_catalog, public"]
    summary = (kit / "SUMMARY.md").read_text()
    for text in (
        "ERROR:  cannot remove parameter defaults from existing function",
        f"HINT:  {HINT}",
        FIX,
        live["body_md5"],
        "Bundle E",
    ):
        assert text in summary
    # Without --json the finding is one gcc-style line (stdout is not a terminal).
    text = cli("check", str(pkg), "--dsn", fresh_db, "--out", str(tmp_path / "kit-text"))
    assert text.returncode == 1, text.stderr
    assert "E.sql:1:1: error: preflight.replace.defaults_removed [bundle E]" in text.stdout, text.stdout
    # Nothing was executed: the catalog is as it was, bundle A's tables do not exist.
    assert catalog_fingerprint(fresh_db) == before
    assert not any("iu_lifecycle_log" in str(row) for row in before)
    # The sidecar holds the live definition, pinned.
    sidecar = next(kit.glob("sidecars/function-public.fn_iu_apply_edit_draft-*.sql"))
    data = sidecar.read_bytes()
    assert live["def"].rstrip() + ";\n" in data.decode()
    run = json.loads((kit / "run.json").read_text())
    gates = {g["name"]: g for g in run["gates"]}
    assert gates["preflight"]["status"] == "FAIL"
    assert cli("evidence", "verify", str(kit)).returncode == 0
    assert hashlib.sha256(data).hexdigest() in (kit / "SUMMARY.md").read_text()


def test_seed_000_fixed_package_passes(tmp_path: Path, fresh_db: str, cli: Any) -> None:
    setup_production(fresh_db)
    pkg = write_package(tmp_path / "pkg", keep_default=True)
    before = catalog_fingerprint(fresh_db)
    r = cli("check", str(pkg), "--dsn", fresh_db, "--out", str(tmp_path / "kit"), "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert [f for f in result_of(r)["findings"] if f["rule"].startswith("preflight")] == []
    assert catalog_fingerprint(fresh_db) == before


def _package(root: Path, bundles: dict[str, tuple[str, str | None]], settings: str = "") -> Path:
    root.mkdir(parents=True)
    manifest = ["[package]", 'name = "t"', "", settings, ""]
    for bid, (apply, rollback) in bundles.items():
        (root / f"{bid}.sql").write_text(apply, encoding="utf-8")
        manifest += ["[[bundle]]", f'id = "{bid}"', f'title = "{bid}"', f'apply = "{bid}.sql"']
        if rollback is not None:
            (root / f"{bid}.rollback.sql").write_text(rollback, encoding="utf-8")
            manifest.append(f'rollback = "{bid}.rollback.sql"')
        else:
            manifest += ['rollback = "none"', 'reason = "no rollback needed"']
        manifest.append("")
    (root / "pgwarden.toml").write_text("\n".join(manifest), encoding="utf-8")
    lock(root)
    return root


def _preflight(root: Path, dsn: str) -> list[Any]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return list(run_preflight(load_package(root), conn, None).findings)


def test_later_bundles_meet_earlier_bundles_definitions(tmp_path: Path, fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION live_fn(a integer) RETURNS integer LANGUAGE sql AS 'SELECT 1'")
    fn = "RETURNS integer LANGUAGE sql AS 'SELECT 1';\n"
    pkg = _package(
        tmp_path / "p",
        {
            "A": (f"CREATE FUNCTION new_fn(a integer) {fn}DROP FUNCTION live_fn(integer);\n", None),
            "B": (
                f"CREATE OR REPLACE FUNCTION new_fn(b integer) {fn}"
                f"CREATE FUNCTION live_fn(renamed integer) RETURNS bigint LANGUAGE sql AS 'SELECT 1';\n",
                None,
            ),
        },
    )
    findings = _preflight(pkg, fresh_db)
    assert [(f.bundle, f.line, f.rule, f.message) for f in findings] == [
        ("B", 1, "preflight.replace.param_renamed", 'cannot change name of input parameter "a"')
    ]
    assert findings[0].hint == "Use DROP FUNCTION new_fn(integer) first."
    assert findings[0].facts["source"] == "defined earlier by bundle A (A.sql:1)"
    assert findings[0].facts["full_args"] == "a integer"


def test_rollback_files_meet_the_state_after_their_bundle(tmp_path: Path, fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE base (id int)")
    pkg = _package(
        tmp_path / "p",
        {
            "A": (
                "CREATE TABLE made (id int);\nALTER TABLE base ADD COLUMN note text;\n",
                "ALTER TABLE base DROP COLUMN note;\nDROP TABLE made;\nDROP TABLE never_made;\n",
            ),
            "B": ("ALTER TABLE base ADD COLUMN extra int;\n", "ALTER TABLE base DROP COLUMN extra;\n"),
        },
    )
    findings = _preflight(pkg, fresh_db)
    assert [(f.bundle, f.file, f.line, f.sqlstate, f.message, f.facts.get("phase")) for f in findings] == [
        ("A", "A.rollback.sql", 3, "42P01", 'table "never_made" does not exist', "rollback")
    ]


def test_unverifiable_replacement_is_a_warning_not_an_error(tmp_path: Path, fresh_db: str) -> None:
    pkg = _package(
        tmp_path / "p",
        {
            "A": ("CREATE TABLE t (a int, b text);\nCREATE VIEW v AS SELECT a FROM t;\n", None),
            "B": ("CREATE OR REPLACE VIEW v AS SELECT a, b FROM t;\n", None),
        },
    )
    findings = _preflight(pkg, fresh_db)
    assert [(f.bundle, f.rule, f.severity) for f in findings] == [("B", "preflight.unverified", "warning")]
    assert "t" in findings[0].message


def test_after_a_do_block_existence_refusals_are_warnings(tmp_path: Path, fresh_db: str) -> None:
    """Dynamic DDL is not followed: a later "does not exist" is likely, not certain."""
    pkg = _package(
        tmp_path / "p",
        {
            "A": (
                "ALTER TABLE t_gone ADD COLUMN x int;\n"
                "DO $$ BEGIN EXECUTE 'CREATE TABLE t_dynamic (a int)'; END $$;\n"
                "ALTER TABLE t_dynamic ADD COLUMN b int;\n",
                None,
            )
        },
    )
    findings = _preflight(pkg, fresh_db)
    assert [(f.line, f.severity, f.message) for f in findings] == [
        (1, "error", 'relation "t_gone" does not exist'),
        (3, "warning", 'relation "t_dynamic" does not exist'),
    ]
    assert "after DO in bundle A (A.sql:2)" in findings[1].facts["note"]


def test_package_search_path_setting_resolves_names(tmp_path: Path, fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA app; CREATE FUNCTION app.f(a integer) RETURNS integer LANGUAGE sql AS 'SELECT 1'")
    pkg = _package(
        tmp_path / "p",
        {"A": ("CREATE OR REPLACE FUNCTION f(b integer) RETURNS integer LANGUAGE sql AS 'SELECT 2';\n", None)},
        settings='[settings]\nsearch_path = "app, public"',
    )
    findings = _preflight(pkg, fresh_db)
    assert [(f.rule, f.hint) for f in findings] == [
        ("preflight.replace.param_renamed", "Use DROP FUNCTION f(integer) first.")
    ]


def test_predict_executes_nothing(fresh_db: str) -> None:
    setup_production(fresh_db)
    before = catalog_fingerprint(fresh_db)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        preds = predict(
            conn,
            "DROP TABLE public.iu_draft; CREATE TABLE x (a int); "
            "CREATE OR REPLACE VIEW v AS SELECT 1 AS a; DROP FUNCTION fn_iu_apply_edit_draft;",
        )
        assert [p.ok for p in preds] == [True, True, True, True]
        assert conn.execute("SHOW transaction_read_only").fetchone() == ("off",)
    assert catalog_fingerprint(fresh_db) == before


def test_predict_reports_a_syntax_error_as_the_parser_does(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        (p,) = predict(conn, "CREATE OR REPLACE MATERIALIZED VIEW mv AS SELECT 1")
    assert (p.ok, p.sqlstate, p.message, p.rule) == (
        False,
        "42601",
        'syntax error at or near "MATERIALIZED"',
        "preflight.syntax",
    )


def test_materialized_view_or_replace_in_a_package_is_bad_input(tmp_path: Path, fresh_db: str, cli: Any) -> None:
    before = catalog_fingerprint(fresh_db)
    pkg = _package(
        tmp_path / "p", {"A": ("CREATE TABLE t (a int);\nCREATE OR REPLACE MATERIALIZED VIEW mv AS SELECT 1;\n", None)}
    )
    r = cli("check", str(pkg), "--dsn", fresh_db, "--out", str(tmp_path / "kit"))
    assert r.returncode == 2, r.stdout + r.stderr
    assert 'A.sql:2:19: syntax error at or near "MATERIALIZED"' in r.stderr
    assert catalog_fingerprint(fresh_db) == before
