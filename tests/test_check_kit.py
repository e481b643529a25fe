"""``check`` output: the evidence kit (seed-000 "Command integrity"), JSON, terminal lines, bad bytes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pgwarden.check.check import check
from pgwarden.errors import BadInput
from pgwarden.package.lock import lock
from tests._package_helpers import CASES_DIR
from tests.conftest import result_of


def _copy(case: str, dest: Path) -> Path:
    shutil.copytree(CASES_DIR / case, dest, ignore=shutil.ignore_patterns("expected.toml"))
    lock(dest)
    return dest


def test_clean_package_kit(tmp_path: Path, cli) -> None:
    pkg = _copy("irreversible_clean", tmp_path / "pkg")
    kit = tmp_path / "kit"
    r = cli("check", str(pkg), "--out", str(kit), "--json")
    assert r.returncode == 0, r.stderr
    data = result_of(r)
    assert data["verdict"] == "PASS" and data["kit"] == str(kit)
    assert [(b["id"], b["atomic"], b["irreversible"]) for b in data["bundles"]] == [
        ("A", True, False),
        ("B", True, True),
        ("C", False, False),
    ]
    assert data["bundles"][0]["kinds"] == {"CREATE TABLE": 1, "INSERT": 1, "SELECT": 1}
    assert [f["path"] for f in data["files"]] == [
        "pgwarden.toml",
        "A.sql",
        "A.rollback.sql",
        "B.sql",
        "C.sql",
        "C.rollback.sql",
    ]
    summary = (kit / "SUMMARY.md").read_text()
    assert "## Command integrity" in summary
    assert "- TXN-1: Bundle A — vocabulary table (3 statement(s): 1 CREATE TABLE, 1 INSERT, 1 SELECT)" in summary
    assert "TXN-2: Bundle B — backfill notes (one-way) [irreversible: the backfill overwrites" in summary
    assert "TXN-3: Bundle C — index built concurrently [non-atomic: transaction = false]" in summary
    assert "No call matching `public.fn_iu_enact(*, *, false)` was included outside rollback-only probes" in summary
    assert "No INSERT/UPDATE/DELETE/MERGE/TRUNCATE/COPY FROM on `public.information_unit`" in summary
    run = json.loads((kit / "run.json").read_text())
    assert run["status"] == "PASS" and [g["name"] for g in run["gates"]] == ["integrity", "policy"]
    assert (kit / "package" / "pgwarden.sum").read_bytes() == (pkg / "pgwarden.sum").read_bytes()
    v = cli("evidence", "verify", str(kit))
    assert v.returncode == 0, v.stdout
    (kit / "SUMMARY.md").write_text(summary.replace("PASS", "PASSED"))
    v = cli("evidence", "verify", str(kit))
    assert v.returncode == 1 and "SUMMARY.md" in v.stdout


def test_failing_package_kit_and_terminal_lines(tmp_path: Path, cli) -> None:
    pkg = _copy("seed000_shape", tmp_path / "pkg")
    kit = tmp_path / "kit"
    r = cli("check", str(pkg), "--out", str(kit))
    assert r.returncode == 1
    assert (
        "D.sql:14:17: error: policy.forbid_calls [bundle D]: call matches forbidden "
        "public.fn_iu_enact(*, *, false) inside the DO block: argument 3 is false" in r.stdout
    )
    assert "    PERFORM public.fn_iu_enact(r.id, 'backfill', false);" in r.stdout
    assert "E.sql:11:8: error: policy.protected_table [bundle E]" in r.stdout
    summary = (kit / "SUMMARY.md").read_text()
    assert "Policy FAIL for D, E; PASS for A, B, C." in summary
    assert "FOUND 1 call(s) matching `public.fn_iu_enact(*, *, false)`: D.sql:14:17 (bundle D)." in summary
    assert "FOUND 1 write(s) to protected table `public.information_unit`: E.sql:11:8 (bundle E)." in summary
    assert json.loads((kit / "run.json").read_text())["status"] == "FAIL"
    assert cli("evidence", "verify", str(kit)).returncode == 0


def test_library_check_without_kit(tmp_path: Path) -> None:
    pkg = _copy("seed000_shape", tmp_path / "pkg")
    result = check(pkg, write_kit=False)
    assert result.kit is None and result.verdict == "FAIL" and result.errors == 2
    assert [b.id for b in result.bundles] == ["A", "B", "C", "D", "E"]
    assert next((p.name, p.after, p.expect) for p in result.probes) == (
        "immutability rejects update",
        "B",
        "error P0001",
    )
    assert not list(tmp_path.glob("pgwarden-runs*"))


def test_non_utf8_file_is_bad_input(tmp_path: Path, cli) -> None:
    pkg = _copy("irreversible_clean", tmp_path / "pkg")
    (pkg / "B.sql").write_bytes(b"UPDATE public.notes\nSET body = '\xe9t\xe9';\n")
    lock(pkg)
    r = cli("check", str(pkg), "--out", str(tmp_path / "kit"))
    assert r.returncode == 2
    assert "B.sql:2:13: not valid UTF-8 (byte 0xe9)" in r.stderr
    assert not (tmp_path / "kit").exists()


def test_nul_byte_cannot_hide_a_statement(tmp_path: Path, cli) -> None:
    """The parser reads a C string: without the check, the forbidden DROP TABLE after the NUL was never seen."""
    pkg = _copy("irreversible_clean", tmp_path / "pkg")
    (pkg / "B.sql").write_bytes(b"UPDATE public.notes SET body = 'x';\n\x00 DROP TABLE public.information_unit;\n")
    lock(pkg)
    r = cli("check", str(pkg), "--out", str(tmp_path / "kit"))
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.startswith("pgwarden: bad-input: B.sql:2:1: NUL byte (\\0) in SQL text"), r.stderr
    assert not (tmp_path / "kit").exists()


def test_deeply_nested_sql_is_linted_not_a_crash(tmp_path: Path) -> None:
    """A 1,000-term concatenation (a left-deep tree) and 1,000 nested PL/pgSQL blocks used to exceed the
    JSON decoder's recursion limit (exit 70). The call at the bottom of the tree is still found."""
    pkg = _copy("irreversible_clean", tmp_path / "pkg")
    deep_concat = "SELECT public.fn_iu_enact(1, 'x', false)::text" + " || 'a'" * 1000 + ";\n"
    deep_do = (
        "DO $$ BEGIN " + "BEGIN " * 1000 + "PERFORM public.fn_iu_enact(1, 'x', false); " + "END; " * 1000 + "END $$;\n"
    )
    with open(pkg / "A.sql", "a", encoding="utf-8") as f:
        f.write(deep_concat + deep_do)
    lock(pkg)
    result = check(pkg, write_kit=False)
    found = {(f.rule, f.line, f.severity) for f in result.findings}
    assert found == {("policy.forbid_calls", 4, "error"), ("lint.body_unparsed", 5, "error")}, result.findings
    unparsed = next(f for f in result.findings if f.rule == "lint.body_unparsed")
    assert "nested too deeply" in unparsed.message and "fn_iu_enact" in unparsed.message


def test_out_dir_must_be_new(tmp_path: Path) -> None:
    pkg = _copy("irreversible_clean", tmp_path / "pkg")
    (tmp_path / "kit").mkdir()
    (tmp_path / "kit" / "x").write_text("x")
    with pytest.raises(BadInput, match="directory exists and is not empty"):
        check(pkg, out=tmp_path / "kit")
