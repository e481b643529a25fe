"""``pgwarden lock`` and the integrity check of ``check``: pins that sha256sum -c accepts, drift named."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from pgwarden import proc
from pgwarden.errors import BadInput
from pgwarden.package.lock import line_ending_note, read_sum, verify_integrity
from pgwarden.package.manifest import load_package
from tests._package_helpers import CASES_DIR
from tests.conftest import result_of

SEED = CASES_DIR / "seed000_shape"


@pytest.fixture
def seed_pkg(tmp_path: Path) -> Path:
    dest = tmp_path / "m3a"
    shutil.copytree(SEED, dest, ignore=shutil.ignore_patterns("expected.toml"))
    return dest


def test_lock_writes_a_sum_that_sha256sum_accepts(seed_pkg: Path, cli) -> None:
    r = cli("lock", str(seed_pkg), "--json")
    assert r.returncode == 0, r.stderr
    data = result_of(r)
    order = [e["path"] for e in data["entries"]]
    assert order == [
        "pgwarden.toml",
        "A.sql",
        "A.rollback.sql",
        "B.sql",
        "B.rollback.sql",
        "C.sql",
        "C.rollback.sql",
        "D.sql",
        "D.rollback.sql",
        "E.sql",
        "E.rollback.sql",
    ]
    lines = (seed_pkg / "pgwarden.sum").read_text().splitlines()
    assert [ln.split("  ", 1)[1] for ln in lines] == order
    for ln in lines:
        digest, rel = ln.split("  ", 1)
        assert hashlib.sha256((seed_pkg / rel).read_bytes()).hexdigest() == digest
    checked = proc.run(["sha256sum", "-c", "--strict", "pgwarden.sum"], cwd=seed_pkg, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == len(order)
    assert data["replaced"] is False and data["changed"] == []


def test_relock_reports_what_changed(seed_pkg: Path, cli) -> None:
    assert cli("lock", str(seed_pkg)).returncode == 0
    with open(seed_pkg / "C.sql", "a", encoding="utf-8") as f:
        f.write("-- reviewed\n")
    r = cli("lock", str(seed_pkg))
    assert r.returncode == 0
    assert "changed since the previous lock: C.sql" in r.stdout


def test_lock_refuses_unnamed_sql(seed_pkg: Path, cli) -> None:
    (seed_pkg / "notes").mkdir()
    (seed_pkg / "notes" / "scratch.sql").write_text("DELETE FROM public.information_unit;\n")
    r = cli("lock", str(seed_pkg))
    assert r.returncode == 2
    assert "1 .sql file(s) not named by pgwarden.toml: notes/scratch.sql" in r.stderr
    assert not (seed_pkg / "pgwarden.sum").exists()


def test_malformed_sum_names_its_line(seed_pkg: Path, cli) -> None:
    assert cli("lock", str(seed_pkg)).returncode == 0
    sum_path = seed_pkg / "pgwarden.sum"
    lines = sum_path.read_text().splitlines()
    lines[2] = "not a hash  A.rollback.sql"
    sum_path.write_text("\n".join(lines) + "\n")
    r = cli("check", str(seed_pkg))
    assert r.returncode == 2
    assert f"{sum_path}:3: malformed line" in r.stderr


def test_several_drifts_are_all_named(seed_pkg: Path) -> None:
    from pgwarden.package.lock import lock

    lock(seed_pkg)
    (seed_pkg / "B.sql").write_bytes((seed_pkg / "B.sql").read_bytes() + b"-- edited\n")
    manifest = seed_pkg / "pgwarden.toml"
    manifest.write_text(manifest.read_text().replace("immutability functions", "immutability fns"))
    with pytest.raises(BadInput) as err:
        verify_integrity(load_package(seed_pkg))
    assert "integrity check failed for pgwarden.toml, B.sql" in err.value.message
    assert [d.split(":")[0] for d in err.value.details] == ["pgwarden.toml", "B.sql"]
    assert all("sha256 now" in d and "pgwarden.sum pins" in d for d in err.value.details)


def test_line_ending_note_both_directions() -> None:
    lf = b"SELECT 1;\nSELECT 2;\n"
    crlf = lf.replace(b"\n", b"\r\n")
    assert "now has CRLF" in (line_ending_note(crlf, hashlib.sha256(lf).hexdigest()) or "")
    assert "now has LF" in (line_ending_note(lf, hashlib.sha256(crlf).hexdigest()) or "")
    assert line_ending_note(b"SELECT 3;\n", hashlib.sha256(lf).hexdigest()) is None


def test_read_sum_accepts_binary_marker(tmp_path: Path) -> None:
    p = tmp_path / "pgwarden.sum"
    p.write_text(f"{'a' * 64} *A.sql\n{'B' * 64}  dir/B c.sql\n")
    assert [(e.path, e.sha256) for e in read_sum(p)] == [("A.sql", "a" * 64), ("dir/B c.sql", "b" * 64)]


def test_sum_that_is_a_directory_is_bad_input(seed_pkg: Path, cli) -> None:
    (seed_pkg / "pgwarden.sum").mkdir()
    for command, message in (("lock", "exists and is not a regular file"), ("check", "is a directory")):
        r = cli(command, str(seed_pkg))
        assert r.returncode == 2, r.stderr
        assert r.stderr.startswith(f"pgwarden: bad-input: {seed_pkg / 'pgwarden.sum'}: {message}"), r.stderr
    assert (seed_pkg / "pgwarden.sum").is_dir() and not any((seed_pkg / "pgwarden.sum").iterdir())
