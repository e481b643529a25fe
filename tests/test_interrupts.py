"""SIGTERM in the middle of real commands: exit 130, no instance, no server, no child tool, no partial dump."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from pgwarden import proc
from tests.conftest import Server, result_of, run_cli


def _procs_mentioning(needle: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if needle in cmdline:
            found.append(int(pid))
    return found


def _wait_for(cond, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.02)
    pytest.fail("condition not reached")


def _wait_gone(needle: str) -> list[int]:
    deadline = time.monotonic() + 10
    while (left := _procs_mentioning(needle)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.fixture
def big_db(fresh_db: str, pg_server: Server) -> str:
    """~150 MB of pgbench data: long enough to interrupt a dump or a restore in the middle."""
    proc.run([pg_server.bins.bindir / "pgbench", "-i", "-q", "-s", "10", "-d", fresh_db], timeout=600)
    return fresh_db


def test_sigterm_during_verify_backup_restore(big_db: str, tmp_path: Path) -> None:
    b = run_cli("backup", "--dsn", big_db, "--out", str(tmp_path / "backup"), "--json")
    assert b.returncode == 0, b.stderr
    dump = result_of(b)["dump_path"]
    # The server user must be able to reach its instance: pytest's own tmp_path is private to root.
    runtime = Path(tempfile.mkdtemp(prefix="pgwarden-rt-"))
    env = {**os.environ, "PGWARDEN_RUNTIME_DIR": str(runtime)}
    p = subprocess.Popen(
        [sys.executable, "-m", "pgwarden", "verify-backup", dump, "--out", str(tmp_path / "v")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert p.stderr is not None
    seen = []
    for line in p.stderr:  # verify-backup's own progress says when the restore starts
        seen.append(line)
        if line.startswith("pg_restore --jobs"):
            break
    else:
        pytest.fail("verify-backup never reached its restore: " + "".join(seen))
    # In the middle: the throwaway server is up and a pg_restore is writing into it.
    sock = str(next(runtime.glob("inst-*")) / "sock")
    _wait_for(
        lambda: bool(
            _procs_mentioning(sock)
            and [pid for pid in _procs_mentioning("pg_restore") if pid in _procs_mentioning(sock)]
        ),
        timeout=10,
    )
    postmaster = int(next(runtime.glob("inst-*/data/postmaster.pid")).read_text().splitlines()[0])
    p.send_signal(signal.SIGTERM)
    _out, rest = p.communicate(timeout=60)
    err = "".join(seen) + rest
    assert p.returncode == 130, err
    assert "Traceback" not in err
    assert list(runtime.glob("inst-*")) == [], "the throwaway instance was left behind"
    assert _wait_gone(str(runtime)) == [], "a server process of the instance survived"
    with pytest.raises(ProcessLookupError):
        os.kill(postmaster, 0)
    assert _wait_gone(dump) == [], "pg_restore survived"
    kit = tmp_path / "v"
    assert json.loads((kit / "run.json").read_text())["status"] == "INTERRUPTED"
    assert run_cli("evidence", "verify", str(kit)).returncode == 0, "the interrupted run's record is intact"
    # What may stay is the spare-copy cache, complete copies only: never a partial one.
    assert list(runtime.glob("spares/*/.partial-*")) == []
    assert sorted(p.name for p in runtime.iterdir()) == ["spares"]
    shutil.rmtree(runtime)


def test_sigterm_during_backup_removes_the_partial_dump(big_db: str, tmp_path: Path) -> None:
    out = tmp_path / "backup"
    p = subprocess.Popen(
        [sys.executable, "-m", "pgwarden", "backup", "--dsn", big_db, "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(lambda: any(f.stat().st_size > 0 for f in out.glob("dump/*.dump")))
    p.send_signal(signal.SIGTERM)
    _out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert list(out.glob("dump/*")) == [], "a partial dump was left behind"
    assert json.loads((out / "run.json").read_text())["status"] == "INTERRUPTED"
    assert _wait_gone(str(out)) == [], "pg_dump survived"
