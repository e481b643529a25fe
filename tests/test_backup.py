"""``pgwarden backup`` on PostgreSQL 15 and 18: kit layout, pins, TOC header, schema dump, failures."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import psycopg
import pytest

from pgwarden.evidence.verify import verify_kit
from tests._backup_helpers import assert_unchanged, fingerprint, populate, sha256
from tests.conftest import MAJORS, result_of


def _dsn_with_password(dsn: str) -> str:
    # The test servers trust local connections, so a password is accepted and ignored: ideal to prove
    # that it never reaches argv, a log or the kit.
    return dsn + " password=s3cret-pw-XYZ"


def test_backup_custom(pg_server, fresh_db: str, cli, tmp_path: Path) -> None:
    populate(fresh_db)
    kit = tmp_path / "kit"
    r = cli("backup", "--dsn", _dsn_with_password(fresh_db), "--out", str(kit), "--json")
    where = pg_server.describe()
    assert r.returncode == 0, f"{where}\n{r.stderr}"
    res = result_of(r)
    dump = Path(res["dump_path"])
    assert dump.parent == (kit / "dump").resolve() and dump.suffix == ".dump"
    assert res["sha256"] == sha256(dump), where
    assert res["bytes"] == dump.stat().st_size
    lines = (kit / "SHA256SUMS").read_text().splitlines()
    sums = {path: digest for digest, path in (line.split("  ", 1) for line in lines)}
    assert sums[f"dump/{dump.name}"] == res["sha256"]
    header = res["header"]
    for field in (
        "Archive created at",
        "dbname",
        "TOC Entries",
        "Compression",
        "Dump Version",
        "Format",
        "Integer",
        "Offset",
        "Dumped from database version",
        "Dumped by pg_dump version",
    ):
        assert field in header, (where, field)
    # Compression reads differently by tool version: an integer on <= 15, an algorithm name on >= 16.
    if pg_server.major <= 15:
        assert header["Compression"].lstrip("-").isdigit(), (where, header["Compression"])
    else:
        assert header["Compression"] == "gzip", (where, header["Compression"])
    assert res["toc_entries"] == int(header["TOC Entries"]) > 10
    assert str(pg_server.major) in res["binaries"], (where, res["binaries"])
    schema = Path(res["schema_path"])
    text = schema.read_text()
    assert "CREATE TABLE public.unit" in text and "\\restrict" not in text
    assert res["schema_sha256"] == sha256(schema)
    summary = (kit / "SUMMARY.md").read_text()
    for row in ("Backup path", "SHA256", "Size", "Format", "Backup role", "TOC entries", "Schema-only dump"):
        assert f"| {row} |" in summary
    assert verify_kit(kit).ok
    for f in kit.rglob("*"):
        if f.is_file():
            assert b"s3cret-pw-XYZ" not in f.read_bytes(), f
    assert "s3cret-pw-XYZ" not in r.stderr + r.stdout
    print(f"backup of {where}: {res['bytes']} bytes, {res['toc_entries']} TOC entries")


def test_backup_directory_jobs(pg_server, fresh_db: str, cli, tmp_path: Path) -> None:
    populate(fresh_db)
    kit = tmp_path / "kit"
    r = cli("backup", "--dsn", fresh_db, "--out", str(kit), "--format", "directory", "--jobs", "2", "--json")
    assert r.returncode == 0, f"{pg_server.describe()}\n{r.stderr}"
    res = result_of(r)
    root = Path(res["dump_path"])
    assert (root / "toc.dat").is_file() and res["format"] == "directory"
    sums = (kit / "SHA256SUMS").read_text()
    for f in res["files"]:
        assert f"{f['sha256']}  dump/{root.name}/{f['rel']}" in sums
        assert sha256(root / f["rel"]) == f["sha256"]
    assert res["header"]["Format"] == "DIRECTORY"
    # The kit pins every file: verify-backup checks each one, then restores in parallel.
    r = cli("verify-backup", str(root), "--jobs", "2", "--out", str(tmp_path / "v"), "--json")
    assert r.returncode == 0, f"{pg_server.describe()}\n{r.stderr}"
    pin = result_of(r)["pin"]
    assert pin["status"] == "PASS" and pin["actual"] == res["sha256"]
    assert any(f"({len(res['files'])} files)" in s for s in pin["sources"]), pin
    data_file = next(root / f["rel"] for f in res["files"] if f["rel"] != "toc.dat")
    data_file.write_bytes(data_file.read_bytes() + b"x")
    r = cli("verify-backup", str(root), "--out", str(tmp_path / "v2"))
    assert r.returncode == 1 and "hash mismatch" in r.stdout and data_file.name in r.stdout, r.stdout + r.stderr


def test_backup_bad_input(pg_server, fresh_db: str, cli, tmp_path: Path) -> None:
    populate(fresh_db)
    before = fingerprint(fresh_db)
    bad_options = {
        ("--jobs", "2"): "--jobs N needs --format directory",
        ("--format", "directory", "--jobs", "100000"): "--jobs 100000: expected 1 to 256",
        # pg_dump itself judges -Z before anything is written (this used to be exit 3 with an ERROR kit)
        ("--compress", "bogus"): "--compress 'bogus': pg_dump",
    }
    for options, message in bad_options.items():
        r = cli("backup", "--dsn", fresh_db, "--out", str(tmp_path / "k"), *options)
        assert r.returncode == 2 and r.stderr.startswith(f"pgwarden: bad-input: {message}"), r.stderr
        assert not (tmp_path / "k").exists()
    r = cli("backup", "--dsn", "host=/nonexistent port=1 dbname=x", "--out", str(tmp_path / "k2"))
    assert r.returncode == 3 and "cannot connect" in r.stderr
    assert not (tmp_path / "k2").exists()
    assert_unchanged(before, fresh_db)


def test_backup_killed_pg_dump_leaves_no_partial_file(pg_server, fresh_db: str, cli, tmp_path: Path) -> None:
    """pg_dump loses its connection mid-stream (its backend is terminated): exit 3, nothing partial kept."""
    if pg_server.major != max(MAJORS):
        pytest.skip("the failure path does not depend on the server version")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE big AS SELECT g, repeat(md5(g::text), 8) AS t FROM generate_series(1, 400000) g")
    stop = threading.Event()

    def killer() -> None:
        with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
            while not stop.is_set():
                n = conn.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = 'pgwarden backup' AND query LIKE 'COPY%'"
                ).fetchone()
                if n and n[0]:
                    return
                time.sleep(0.005)

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    kit = tmp_path / "kit"
    r = cli("backup", "--dsn", fresh_db, "--out", str(kit), "--compress", "0")
    stop.set()
    t.join()
    assert r.returncode == 3, r.stderr
    assert "pg_dump failed" in r.stderr and "partial dump was removed" in r.stderr
    assert not list((kit / "dump").glob("*.dump"))
    run = json.loads((kit / "run.json").read_text())
    assert run["status"] == "ERROR"
    assert verify_kit(kit).ok
