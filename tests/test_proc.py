"""The one subprocess wrapper: timeouts stop the whole process group; passwords never reach argv."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pgwarden import proc
from pgwarden.errors import EnvironmentProblem


def test_timeout_terminates_then_kills_the_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    # A parent that ignores SIGTERM and has a grandchild: both must be gone afterwards.
    script = textwrap.dedent(f"""
        import os, signal, subprocess, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        child = subprocess.Popen(["sleep", "300"])
        open({str(pidfile)!r}, "w").write(str(child.pid))
        time.sleep(300)
    """)
    with pytest.raises(EnvironmentProblem, match="did not finish within"):
        proc.run([sys.executable, "-c", script], timeout=1.0)
    grandchild = int(pidfile.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("grandchild survived the timeout")


def test_password_on_argv_is_refused() -> None:
    with pytest.raises(AssertionError, match="password"):
        proc.run(["pg_dump", "--dbname=host=x password=secret"])


def test_failure_is_environment_problem_with_redacted_stderr_tail(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    with pytest.raises(EnvironmentProblem) as exc:
        proc.run(
            ["sh", "-c", 'echo "$MSG" >&2; exit 4'],
            log_path=log,
            env={"MSG": "connect postgresql://u:hunter2@h/db failed"},
        )
    assert "exit code 4" in exc.value.message
    assert any("u:********@h" in d for d in exc.value.details)
    assert "hunter2" not in log.read_text()


def test_stdout_to_file_and_line_callback(tmp_path: Path) -> None:
    seen: list[str] = []
    out = tmp_path / "out.bin"
    res = proc.run(["sh", "-c", "printf 'abc'; echo progress >&2"], stdout_path=out, on_line=seen.append)
    assert out.read_bytes() == b"abc" and seen == ["progress"] and res.returncode == 0


def test_missing_program_is_environment_problem() -> None:
    with pytest.raises(EnvironmentProblem, match="not found"):
        proc.run(["/nonexistent/pg_dump"])


def test_a_bug_shows_its_traceback_and_exit_70() -> None:
    code = "from pgwarden.cli.base import run\nrun(lambda: 1 / 0, as_json=False)\n"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 70
    assert "Traceback" in res.stderr and "ZeroDivisionError" in res.stderr and "a bug" in res.stderr


def test_expected_errors_show_one_line_and_their_exit_code() -> None:
    code = (
        "from pgwarden.cli.base import run\nfrom pgwarden.errors import BadInput\n"
        "def f():\n    raise BadInput('pkg/pgwarden.toml: bundle[1].apply: missing file A.sql')\n"
        "run(f, as_json=False)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 2
    assert res.stderr == "pgwarden: bad-input: pkg/pgwarden.toml: bundle[1].apply: missing file A.sql\n"


def test_password_in_uri_on_argv_is_refused() -> None:
    with pytest.raises(AssertionError, match="password"):
        proc.run(["pg_dump", "postgresql://u:secret@h/db"])
