"""On a real terminal (a pty), user data is printed as text: rich markup never interprets it."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from pgwarden.cli.reporter import TerminalReporter
from tests.conftest import Server


def run_on_pty(args: list[str], cwd: Path, timeout: float = 300) -> tuple[int, str]:
    """Run the CLI with stdin, stdout and stderr on a pseudo-terminal; return (exit code, everything it wrote)."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pgwarden", *args],
        stdin=child,
        stdout=child,
        stderr=child,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "120", "TERM": "xterm"},
        close_fds=True,
    )
    os.close(child)
    out = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=30)
    os.close(main)
    return code, out.decode("utf-8", "replace")


def test_backup_of_a_database_named_like_markup(pg_server: Server, tmp_path: Path) -> None:
    name = "sales[/]eu"
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(pg_server.dsn(name), autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1)")
        dsn = pg_server.dsn().replace("dbname=postgres", f"dbname='{name}'")
        code, text = run_on_pty(["backup", "--dsn", dsn, "--out", str(tmp_path / "kit")], tmp_path)
        assert code == 0, text
        assert f"pg_dump {name} on PostgreSQL" in text and "MarkupError" not in text and "Traceback" not in text
        assert text.count("backup PASS:") == 1  # printed once, on stdout, not also as progress
    finally:
        with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _drain(fd: int) -> str:
    """Everything written to the terminal whose other end is ``fd`` so far."""
    out = bytearray()
    while select.select([fd], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out.decode("utf-8", "replace")


def test_reporter_prints_markup_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's reporter on a terminal makes its own rich console: user data in a progress line or a transfer's
    label is printed as text (markup and emoji codes are not interpreted)."""
    main, child = pty.openpty()
    term = os.fdopen(child, "w", encoding="utf-8", buffering=1)
    try:
        monkeypatch.setenv("TERM", "xterm")
        monkeypatch.setenv("COLUMNS", "120")
        monkeypatch.setattr(sys, "stderr", term)
        reporter = TerminalReporter()
        assert reporter.console is not None, "stderr is a terminal: the reporter prints through rich"
        reporter.step("[target] keys: [bold]x[/] and :smile: in sales[/]eu")
        with reporter.transfer("dump of [red]sales[/red]", 100) as update:
            update(50)
        term.flush()
        text = _drain(main)
    finally:
        term.close()
        os.close(main)
    assert "[target] keys: [bold]x[/] and :smile: in sales[/]eu" in text, text
    assert "dump of [red]sales[/red]" in text, text
    assert "\N{SMILING FACE WITH OPEN MOUTH AND SMILING EYES}" not in text, text
