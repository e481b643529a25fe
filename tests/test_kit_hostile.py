"""A kit someone hands you is hostile: `evidence verify` and `report` refuse what is not a regular file, never
follow a symlink, never block, and bound what they parse.

Each case plants one thing in a real kit (`pgwarden check` of a small package, no server needed) and runs
both commands as a user would, with a timeout: they must finish promptly, with the right exit code, naming
the file, and without a traceback. Where a case needs the rest of the kit to agree (an oversized or deeply
nested run.json that someone re-sealed), :func:`_reseal` recomputes SHA256SUMS and the seal as a person who
rewrites a whole kit would, so the only thing wrong is what was planted.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_cli

TIMEOUT = 60  # seconds: every case finishes in a few; a hang is a failure, not a stuck test run
MiB = 1 << 20


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("pristine")
    assert run_cli("init", "pkg", cwd=base).returncode == 0
    r = run_cli("check", "pkg", "--out", "kit", cwd=base)
    assert r.returncode == 0, r.stdout + r.stderr
    assert run_cli("evidence", "verify", str(base / "kit")).returncode == 0
    return base / "kit"


@pytest.fixture
def kit(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "kit", symlinks=True))


def _pgwarden(*args: str, memory: int | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI, which must finish within TIMEOUT; ``memory`` caps its address space (bytes), in a subprocess of
    its own (a limit on this process would be the test session's)."""
    if memory is None:
        return run_cli(*args, timeout=TIMEOUT)

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(
        [sys.executable, "-m", "pgwarden", *args], capture_output=True, text=True, timeout=TIMEOUT, preexec_fn=cap
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(MiB):
            h.update(chunk)
    return h.hexdigest()


def _reseal(kit: Path, seal_line: Callable[[str], str] | None = None) -> None:
    """Recompute the seal's hashes and SHA256SUMS from the kit's regular files (``seal_line`` may rewrite the
    seal's JSON text first), as someone who rewrites a whole kit would: then only the planted thing is wrong."""
    events = kit / "events.jsonl"
    lines = events.read_text().splitlines()
    seal = json.loads(lines[-1])
    assert seal["kind"] == "seal"
    for rel in seal["data"]["files"]:
        p = kit / rel
        if p.is_file() and not p.is_symlink():
            seal["data"]["files"][rel] = _sha256(p)
    text = json.dumps(seal, sort_keys=True)
    lines[-1] = seal_line(text) if seal_line else text
    events.write_text("\n".join(lines) + "\n")
    sums = []
    for line in (kit / "SHA256SUMS").read_text().splitlines():
        digest, rel = line.split("  ", 1)
        p = kit / rel
        sums.append(f"{_sha256(p) if p.is_file() and not p.is_symlink() else digest}  {rel}")
    (kit / "SHA256SUMS").write_text("\n".join(sums) + "\n")


def _deep(n: int) -> str:
    return "[" * n + "]" * n


def _check(
    kit: Path, tmp_path: Path, code: int, needle: str, *, memory: int | None = None, target: Path | None = None
) -> None:
    """Both commands on ``kit`` (or ``target``): exit ``code``, ``needle`` said, no traceback."""
    where = str(target or kit)
    runs = {
        "verify": _pgwarden("evidence", "verify", where, memory=memory),
        "report": _pgwarden("report", where, "--html", str(tmp_path / "page.html"), memory=memory),
    }
    for name, r in runs.items():
        said = r.stdout + r.stderr
        assert r.returncode == code, (name, r.returncode, said)
        assert needle in said, (name, needle, said)
        assert "Traceback" not in said, (name, said)
        if code == 2:
            assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("pgwarden: bad-input: "), r.stderr
    if code == 1:  # the page is still written, and it opens with the warning
        page = (tmp_path / "page.html").read_text()
        assert "kit FAILED verification" in page and "nothing on this page can be trusted" in page


# -- FIFOs, sockets, devices, directories: refused, never opened ---------------------------------------------
@pytest.mark.parametrize("victim", ["findings.json", "run.json", "events.jsonl", "SHA256SUMS", "logs/x"])
def test_a_fifo_in_the_kit_is_refused_without_blocking(kit: Path, tmp_path: Path, victim: str) -> None:
    path = kit / victim
    path.parent.mkdir(exist_ok=True)
    path.unlink(missing_ok=True)
    os.mkfifo(path)
    _check(kit, tmp_path, 1, f"{victim}: a FIFO, not a regular file: refused")


def test_a_socket_in_the_kit_is_refused(kit: Path, tmp_path: Path) -> None:
    (kit / "findings.json").unlink()
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(kit / "findings.json"))
        _check(kit, tmp_path, 1, "findings.json: a socket, not a regular file: refused")


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a device file needs root (CI runs as root)")
def test_a_device_file_in_the_kit_is_refused_never_read(kit: Path, tmp_path: Path) -> None:
    (kit / "report.html").unlink()
    os.mknod(kit / "report.html", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # what /dev/zero is
    _check(kit, tmp_path, 1, "report.html: a character device, not a regular file: refused")


def test_a_directory_where_a_file_is_expected_is_named(kit: Path, tmp_path: Path) -> None:
    (kit / "findings.json").unlink()
    (kit / "findings.json").mkdir()
    _check(kit, tmp_path, 1, "findings.json: a directory, not a regular file: refused")


# -- symlinks: refused, never followed ------------------------------------------------------------------------
def test_a_symlink_to_dev_zero_is_refused_not_read(kit: Path, tmp_path: Path) -> None:
    (kit / "report.html").unlink()
    (kit / "report.html").symlink_to("/dev/zero")
    _check(kit, tmp_path, 1, "report.html: a symbolic link (to /dev/zero), not a regular file: refused")


def test_a_symlink_to_a_file_outside_the_kit_is_refused_even_with_the_same_bytes(kit: Path, tmp_path: Path) -> None:
    """Followed, the outside file would match every hash: the kit would pass with a file it does not hold."""
    outside = tmp_path / "elsewhere.md"
    shutil.copyfile(kit / "SUMMARY.md", outside)
    (kit / "SUMMARY.md").unlink()
    (kit / "SUMMARY.md").symlink_to(outside)
    _check(kit, tmp_path, 1, f"SUMMARY.md: a symbolic link (to {outside}), not a regular file: refused")


def test_a_symlinked_directory_is_not_walked(kit: Path, tmp_path: Path) -> None:
    outside = Path(shutil.copytree(kit / "package", tmp_path / "elsewhere"))
    shutil.rmtree(kit / "package")
    (kit / "package").symlink_to(outside)
    _check(kit, tmp_path, 1, f"package: a symbolic link (to {outside}), not a regular file: refused")


def test_a_symlinked_kit_directory_is_bad_input(kit: Path, tmp_path: Path) -> None:
    link = tmp_path / "latest"
    link.symlink_to(kit)
    _check(kit, tmp_path, 2, f"{link}: a symbolic link (to {kit}), not a kit directory: refused", target=link)


# -- what is parsed is bounded ---------------------------------------------------------------------------------
def test_an_oversized_run_json_is_named_not_read(kit: Path, tmp_path: Path) -> None:
    run = json.loads((kit / "run.json").read_text())
    run["pad"] = "x" * (64 * MiB)
    (kit / "run.json").write_text(json.dumps(run))
    _reseal(kit)
    _check(kit, tmp_path, 1, "run.json: 67,")  # "67,1xx,xxx bytes, more than the 64 MiB pgwarden reads of it"
    r = _pgwarden("evidence", "verify", str(kit))
    assert "more than the 64 MiB pgwarden reads of it: not read" in r.stdout, r.stdout


def test_a_deeply_nested_run_json_is_named_not_a_recursion_error(kit: Path, tmp_path: Path) -> None:
    text = (kit / "run.json").read_text()
    (kit / "run.json").write_text(text.replace('"command":', f'"deep": {_deep(100_000)}, "command":', 1))
    _reseal(kit)
    _check(kit, tmp_path, 1, "run.json: nested more than 100 levels deep: not read")


def test_a_deeply_nested_event_is_named_not_a_recursion_error(kit: Path, tmp_path: Path) -> None:
    _reseal(kit, lambda seal: seal.replace('"data": {', f'"data": {{"deep": {_deep(100_000)}, ', 1))
    n = len((kit / "events.jsonl").read_text().splitlines())
    _check(kit, tmp_path, 1, f"events.jsonl: line {n} is nested more than 100 levels deep: not read")


def test_an_overlong_event_line_is_named_after_reading_its_bound_only(kit: Path, tmp_path: Path) -> None:
    _reseal(kit, lambda seal: seal.replace('"data": {', f'"data": {{"pad": "{"x" * (17 * MiB)}", ', 1))
    n = len((kit / "events.jsonl").read_text().splitlines())
    _check(kit, tmp_path, 1, f"events.jsonl: line {n} is longer than 16 MiB: not read")


def test_an_oversized_events_jsonl_is_named_without_reading_it(kit: Path, tmp_path: Path) -> None:
    """300 MiB (sparse) under a 400 MiB address space: read whole, it would not fit; it is never read whole."""
    with open(kit / "events.jsonl", "r+b") as f:
        f.truncate(300 * MiB)
    _check(
        kit,
        tmp_path,
        1,
        "events.jsonl: 314,572,800 bytes, more than the 256 MiB pgwarden reads of it: not read",
        memory=400 * MiB,
    )
