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
        ("identity", "FAIL"), ("integrity", "SKIPPED"), ("policy", "SKIPPED"), ("preflight", "SKIPPED")]
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
    r = cli("check", str(pkg), "--dsn", f"host={tmp_path} port=1 dbname=x connect_timeout=2",
            "--out", str(tmp_path / "kit"))
    assert r.returncode == 3, r.stderr
    assert "cannot connect" in r.stderr
    assert not (tmp_path / "kit").exists()
