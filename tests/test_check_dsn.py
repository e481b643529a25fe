"""``check --dsn``: the identity guard against a real server, and the hand-off to the live preflight."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pgwarden.package.lock import lock
from tests._package_helpers import CASES_DIR
from tests.conftest import result_of


def _pkg(tmp_path: Path, target: str) -> Path:
    pkg = tmp_path / "pkg"
    shutil.copytree(CASES_DIR / "irreversible_clean", pkg, ignore=shutil.ignore_patterns("expected.toml"))
    manifest = pkg / "pgwarden.toml"
    text = manifest.read_text()
    start = text.index("[target]")
    end = text.index("[settings]")
    manifest.write_text(text[:start] + target + "\n" + text[end:])
    lock(pkg)
    return pkg


def test_identity_guard_mismatch_fails_with_kit(tmp_path: Path, pg_server, cli) -> None:
    pkg = _pkg(tmp_path, '[target]\ndatabase = "directus"\nserver_major = 9\nsuperuser = true\n')
    kit = tmp_path / "kit"
    r = cli("check", str(pkg), "--dsn", pg_server.dsn("postgres"), "--out", str(kit))
    assert r.returncode == 1, r.stderr
    assert "identity guard failed: the live server is not the [target]" in r.stderr
    assert "database: expected directus, actual postgres" in r.stderr
    assert f"server_major: expected 9, actual {pg_server.major}" in r.stderr
    assert "superuser" not in r.stderr.split("identity guard failed", 1)[1].split("evidence kit")[0]
    assert f"evidence kit: {kit}" in r.stderr
    run = json.loads((kit / "run.json").read_text())
    assert run["status"] == "FAIL"
    assert [(g["name"], g["status"]) for g in run["gates"]] == [
        ("identity", "FAIL"),
        ("integrity", "SKIPPED"),
        ("policy", "SKIPPED"),
        ("preflight", "SKIPPED"),
    ]
    assert all(g["reason"].startswith("not reached") for g in run["gates"][1:])
    assert "## Stopped" in (kit / "SUMMARY.md").read_text()
    assert cli("evidence", "verify", str(kit)).returncode == 0


def test_identity_guard_match_runs_preflight(tmp_path: Path, pg_server, cli) -> None:
    pkg = _pkg(tmp_path, f'[target]\ndatabase = "postgres"\nserver_major = {pg_server.major}\n')
    kit = tmp_path / "kit"
    r = cli("check", str(pkg), "--dsn", pg_server.dsn("postgres"), "--out", str(kit), "--json")
    run = json.loads((kit / "run.json").read_text())
    gates = {g["name"]: g["status"] for g in run["gates"]}
    assert gates["identity"] == "PASS" and gates["integrity"] == "PASS" and gates["policy"] == "PASS"
    assert run["environment"]["server"]["server_major"] == pg_server.major
    # The verdict, the exit code and the preflight gate must tell the same story as the findings.
    data = result_of(r)
    assert data["live"] is True and data["server"]["database"] == "postgres"
    pre_errors = [f for f in data["findings"] if f["rule"].startswith("preflight") and f["severity"] == "error"]
    assert gates["preflight"] == ("FAIL" if pre_errors else "PASS"), run["gates"]
    assert (r.returncode, data["verdict"]) == ((1, "FAIL") if pre_errors else (0, "PASS")), r.stderr
    assert cli("evidence", "verify", str(kit)).returncode == 0


def test_unreachable_server_is_environment_problem(tmp_path: Path, cli) -> None:
    pkg = _pkg(tmp_path, "[target]\n")
    r = cli(
        "check", str(pkg), "--dsn", f"host={tmp_path} port=1 dbname=x connect_timeout=2", "--out", str(tmp_path / "kit")
    )
    assert r.returncode == 3, r.stderr
    assert "cannot connect" in r.stderr
    assert not (tmp_path / "kit").exists()


def test_kit_counts_refused_predicted_and_not_predicted(tmp_path: Path, pg_server, cli) -> None:
    """Every statement is refused, predicted to succeed, or said to be not predicted (rehearsal covers it):
    never a silent OK. Here a CREATE TABLE with only judged parts, one with a CHECK expression preflight
    does not judge, and a DROP of a missing table."""
    from pgwarden.package.init import init

    pkg = tmp_path / "counts"
    init(str(pkg))
    (pkg / "A.sql").write_text(
        "CREATE TABLE counted_plain (id int, note text);\n"
        "CREATE TABLE counted_check (id int CHECK (id > 0));\n"
        "DROP VIEW no_such_view_here;\n"
    )
    (pkg / "A.rollback.sql").write_text("DROP TABLE counted_check;\nDROP TABLE counted_plain;\n")
    manifest = pkg / "pgwarden.toml"
    text = manifest.read_text().replace('forbid = ["DROP TABLE", "TRUNCATE", "DROP SCHEMA"]', "forbid = []")
    start = text.index("[[probe]]")
    manifest.write_text(text[:start])
    lock(pkg)
    kit = tmp_path / "kit"
    r = cli("check", str(pkg), "--dsn", pg_server.dsn("postgres"), "--out", str(kit))
    assert r.returncode == 1, r.stderr + r.stdout
    run = json.loads((kit / "run.json").read_text())
    gate = next(g for g in run["gates"] if g["name"] == "preflight")["details"]
    assert gate["refused"] == 1, gate
    assert any("CHECK expressions" in n["why"] for n in gate["not_predicted"]), gate
    assert gate["predicted"] >= 1, gate
    summary = (kit / "SUMMARY.md").read_text()
    assert "1 refused" in summary and "not predicted" in summary and "CHECK expressions" in summary


def test_syntax_newer_than_the_target_is_not_predicted(pg_server) -> None:
    """pglast parses with PostgreSQL 18's grammar: on an older server such a statement is not predicted."""
    import psycopg

    from pgwarden.preflight.engine import predict

    with psycopg.connect(pg_server.dsn()) as conn:
        conn.autocommit = True
        conn.execute("CREATE TABLE IF NOT EXISTS newer_syntax_t (a int)")
        try:
            p = predict(conn, "ALTER TABLE newer_syntax_t ALTER a SET STORAGE DEFAULT")[0]
            if pg_server.major < 16:
                assert p.ok and not p.predicted and "new in PostgreSQL 16" in (p.unjudged or ""), p
            else:  # valid on 16+: judged like any statement, and no false alarm
                assert p.ok and p.predicted and p.unjudged is None, p
        finally:
            conn.execute("DROP TABLE newer_syntax_t")
