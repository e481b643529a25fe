"""Evidence kits: sha256sum-compatible, hash-chained, and any single change is caught and named."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pgwarden.evidence.blocks import Report, Text
from pgwarden.evidence.gates import GateRunner
from pgwarden.evidence.kit import EvidenceKit
from pgwarden.evidence.verify import verify_kit
from tests.conftest import run_cli


def _make_kit(root: Path) -> Path:
    kit = EvidenceKit.create(root, "test", {"dsn": "postgresql://u:s3cret@h/db", "n": 1})
    runner = GateRunner(kit, ("identity", "rehearsal"))

    def body() -> None:
        with runner.gate("identity") as g:
            g.record({"database": "db"})
        runner.waive("rehearsal", "--no-rehearse")
        kit.write_text("probes/before.json", json.dumps({"a": 1}))
        kit.path("dump/x.dump").write_bytes(bytes(range(256)) * 4)
        kit.environment["server_version"] = "18.6"

    runner.run(body, lambda _v, _e: (Report("Summary", "", "PASS", (Text("all good"),)), {"answer": 42}))
    return root


def test_fresh_kit_verifies_and_sha256sum_accepts_it(tmp_path: Path) -> None:
    root = _make_kit(tmp_path / "kit")
    assert verify_kit(root).ok
    out = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=root, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    cli = run_cli("evidence", "verify", str(root))
    assert cli.returncode == 0 and "kit OK" in cli.stdout
    run = json.loads((root / "run.json").read_text())
    assert run["status"] == "PASS" and [g["name"] for g in run["gates"]] == ["identity", "rehearsal"]
    assert "s3cret" not in (root / "run.json").read_text()
    assert "s3cret" not in (root / "events.jsonl").read_text()


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    "victim",
    ["run.json", "report.json", "SUMMARY.md", "events.jsonl", "SHA256SUMS", "probes/before.json", "dump/x.dump"],
)
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_any_flipped_byte_fails_and_names_the_file(tmp_path: Path, victim: str, where: str) -> None:
    root = _make_kit(tmp_path / "kit")
    path = root / victim
    data = bytearray(path.read_bytes())
    i = {"first": 0, "middle": len(data) // 2, "last": len(data) - 2}[where]
    data[i] ^= 0x01
    path.write_bytes(bytes(data))
    res = run_cli("evidence", "verify", str(root))
    assert res.returncode == 1, res.stdout
    assert victim in res.stdout


def test_every_single_byte_of_a_small_kit_is_protected(tmp_path: Path) -> None:
    """Exhaustive over one small file: no byte can change unnoticed."""
    root = _make_kit(tmp_path / "kit")
    path = root / "probes/before.json"
    original = path.read_bytes()
    for i in range(len(original)):
        data = bytearray(original)
        data[i] ^= 0x20
        path.write_bytes(bytes(data))
        res = verify_kit(root)
        assert not res.ok and any(p.file == "probes/before.json" for p in res.problems), i
    path.write_bytes(original)
    assert verify_kit(root).ok


def test_deleted_and_added_files_are_named(tmp_path: Path) -> None:
    root = _make_kit(tmp_path / "kit")
    (root / "dump/x.dump").unlink()
    (root / "extra.txt").write_text("sneaked in")
    res = run_cli("evidence", "verify", str(root))
    assert res.returncode == 1
    assert "dump/x.dump: listed in SHA256SUMS but missing" in res.stdout
    assert "extra.txt: not listed in SHA256SUMS" in res.stdout


def test_reforged_sums_is_caught_by_the_chain(tmp_path: Path) -> None:
    """Editing a file and recomputing its SHA256SUMS line is still caught by the sealed event chain."""
    root = _make_kit(tmp_path / "kit")
    (root / "SUMMARY.md").write_text("# Summary\n\nall good, honest\n")
    sums = subprocess.run(["sha256sum", "SUMMARY.md"], cwd=root, capture_output=True, text=True).stdout
    lines = [ln for ln in (root / "SHA256SUMS").read_text().splitlines() if not ln.endswith("  SUMMARY.md")]
    (root / "SHA256SUMS").write_text("\n".join([*lines, sums.strip()]) + "\n")
    res = verify_kit(root)
    assert not res.ok


def test_verify_of_missing_directory_is_bad_input(tmp_path: Path) -> None:
    res = run_cli("evidence", "verify", str(tmp_path / "nope"))
    assert res.returncode == 2 and "not a directory" in res.stderr


def test_kit_refuses_non_empty_out_dir(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("keep me")
    with pytest.raises(Exception, match="not empty"):
        EvidenceKit.create(tmp_path, "test", {})
    assert (tmp_path / "x").read_text() == "keep me"


def test_unusable_kit_paths_are_bad_input(tmp_path: Path) -> None:
    res = run_cli("evidence", "verify", str(tmp_path / ("x" * 300)))
    assert res.returncode == 2 and "unusable path" in res.stderr and "Traceback" not in res.stderr
    (tmp_path / "afile").write_text("x")
    with pytest.raises(Exception, match="is not a directory"):
        EvidenceKit.create(tmp_path / "afile", "test", {})
