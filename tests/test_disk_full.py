"""A full disk during a backup: exit 3, one clear line, no partial dump left behind, production unchanged."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg

from tests.conftest import run_cli


def test_backup_onto_a_full_disk(fresh_db: str, tiny_fs: Path) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        # ~6 MB of incompressible-ish text: the dump cannot fit in 1 MiB.
        conn.execute(
            "CREATE TABLE big AS SELECT g, md5(g::text) || md5((g * 7)::text) AS t FROM generate_series(1, 120000) g"
        )
    out = run_cli("backup", "--dsn", fresh_db, "--out", str(tiny_fs / "kit"))
    assert out.returncode == 3, out.stdout + out.stderr
    assert "disk full" in out.stderr and "Traceback" not in out.stderr
    leftovers = [p for p in tiny_fs.rglob("*") if p.is_file() and p.suffix in (".dump", ".partial", ".tmp")]
    assert leftovers == [], leftovers
    dumps = [p for p in tiny_fs.rglob("*.dump*")]
    assert dumps == [], dumps
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT count(*) FROM big").fetchone() == (120000,)


def test_probe_kit_onto_a_full_disk(fresh_db: str, tiny_fs: Path) -> None:
    """Another writer (probe's fingerprint) on a full disk: the same clear exit 3, no traceback."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for (stmt,) in conn.execute(
            "SELECT format('CREATE TABLE t%s (a int primary key, b text)', g) FROM generate_series(1, 200) g"
        ).fetchall():
            conn.execute(stmt)
    free = os.statvfs(tiny_fs).f_bavail * os.statvfs(tiny_fs).f_frsize
    (tiny_fs / "filler").write_bytes(b"\0" * (free - 8192))  # leave 8 KiB: the fingerprint needs more
    out = run_cli("probe", "--dsn", fresh_db, "--fingerprint", str(tiny_fs / "fp.json"), "--no-kit")
    assert out.returncode == 3, out.stdout + out.stderr
    assert "disk full" in out.stderr and "Traceback" not in out.stderr
    assert [p.name for p in tiny_fs.iterdir()] == ["filler"], "a partial fingerprint was left behind"
