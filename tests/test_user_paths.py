"""Paths no file system accepts (a name over NAME_MAX) are bad input for every command, never a traceback.

``Path.exists()`` raises for such a name (ENAMETOOLONG) where it answers False for a missing file; each
command used to crash (exit 70) at its first look at the path. No server is needed: paths are checked
before anything connects.
"""

from __future__ import annotations

from pathlib import Path


def test_unusable_paths_exit_2(tmp_path: Path, cli) -> None:
    long = str(tmp_path / ("x" * 300))
    nowhere = f"host={tmp_path} port=1 dbname=x"
    commands = [
        ["check", long],
        ["lock", long],
        ["init", long],
        ["verify-backup", long],
        ["probe", "--dsn", nowhere, "--fingerprint", long],
        ["probe", "--dsn", nowhere, "--out", long],
        ["backup", "--dsn", nowhere, "--out", long],
        ["demo", "--out", long],
    ]
    for command in commands:
        r = cli(*command, cwd=tmp_path)
        assert r.returncode == 2, (command, r.stderr)
        assert r.stderr.startswith("pgwarden: bad-input: ") and "unusable path: File name too long" in r.stderr, (
            command,
            r.stderr,
        )
    assert list(tmp_path.iterdir()) == []
