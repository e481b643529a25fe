"""Every bad input of verify-backup: its message, its exit code, and the target left unchanged.

These do not depend on the server version, so they run once, against the newest PostgreSQL here.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from pgwarden.backup.backup import backup
from pgwarden.backup.verify import verify_backup
from pgwarden.errors import EnvironmentProblem
from pgwarden.instances.instance import ThrowawayInstance
from pgwarden.pg import binaries as pgbin
from tests._backup_helpers import (
    EXPECT_TOML,
    assert_unchanged,
    fingerprint,
    flipped_copy,
    gate,
    populate,
    raw_dump,
    run_json,
    sha256,
    truncated_copy,
)


@dataclass
class Prod:
    bins: pgbin.PgBinaries
    dsn: str
    kit: Path  # a pgwarden backup kit (the dump in it is pinned)
    dump: Path  # that kit's dump
    z0: Path  # a raw pg_dump -Fc -Z0, not pinned
    gz: Path  # a raw pg_dump -Fc (compressed), not pinned
    before: object  # production's fingerprint, for "unchanged"


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prod]:
    bins = pgbin.find(pgbin.ALL_TOOLS, major=max(pgbin.available_majors(pgbin.ALL_TOOLS)))
    base = tmp_path_factory.mktemp("prod")
    with ThrowawayInstance(bins) as inst:
        populate(inst.dsn())
        with psycopg.connect(inst.dsn(), autocommit=True) as conn:  # data must dominate the archive's bytes
            conn.execute("CREATE TABLE public.bulk AS SELECT g, md5(g::text) AS h FROM generate_series(1, 20000) g")
        b = backup(inst.dsn(), out=base / "kit")
        z0 = raw_dump(bins, inst.dsn(), base / "raw-z0.dump", "-Z0")
        gz = raw_dump(bins, inst.dsn(), base / "raw-gz.dump")
        yield Prod(bins, inst.dsn(), base / "kit", Path(b.dump_path), z0, gz, fingerprint(inst.dsn()))


def _verify(cli, prod: Prod, dump: Path, out: Path, *extra: str):
    """Run the CLI against ``dump`` with production probed; the dump and production must not change."""
    digest = sha256(dump) if dump.is_file() else None
    r = cli("verify-backup", str(dump), "--dsn", prod.dsn, "--out", str(out), *extra)
    if digest is not None:
        assert sha256(dump) == digest, "the dump was modified"
    assert_unchanged(prod.before, prod.dsn)
    return r


@pytest.mark.parametrize("kind", ["gz", "z0"])
def test_truncated_dump_fails(prod: Prod, cli, tmp_path: Path, kind: str) -> None:
    """Not pinned: the full read finds the truncation (compressed or not): FAIL, exit 1."""
    bad = truncated_copy(getattr(prod, kind), tmp_path / f"trunc-{kind}.dump")
    r = _verify(cli, prod, bad, tmp_path / "v")
    assert r.returncode == 1, r.stderr
    assert "backup verification: FAIL" in r.stdout
    assert "truncated" in r.stdout or "ends early" in r.stdout, r.stdout
    assert gate(tmp_path / "v", "pin")["status"] == "SKIPPED"


def test_byte_flipped_compressed_dump_fails(prod: Prod, cli, tmp_path: Path) -> None:
    """Not pinned, compressed: decompression of the full read catches the flipped byte: FAIL, exit 1."""
    bad = flipped_copy(prod.gz, tmp_path / "flip.dump", at=0.7)
    r = _verify(cli, prod, bad, tmp_path / "v")
    assert r.returncode == 1, r.stderr
    assert "the archive cannot be read in full" in r.stdout and "corrupt" in r.stdout, r.stdout
    assert gate(tmp_path / "v", "restore")["status"] == "SKIPPED"


@pytest.mark.parametrize("damage", ["truncate", "flip"])
@pytest.mark.parametrize("compress", ["gz", "z0"])
def test_pinned_dump_damaged_is_a_hash_mismatch(prod: Prod, cli, tmp_path: Path, damage: str, compress: str) -> None:
    """Damaged inside its backup kit, compressed or -Z0: the pin catches it. That is what verify-backup exists
    to find out, so it is a verdict: FAIL, exit 1, a JSON envelope, and a kit whose SUMMARY says why and does
    not pretend that no expectations or no --dsn were given."""
    kit = tmp_path / "kit"
    shutil.copytree(prod.kit, kit)
    dump = kit / "dump" / prod.dump.name
    if compress == "z0":  # pin the -Z0 dump the way a kit pins it, then damage it
        shutil.copy(prod.z0, dump)
        sums = kit / "SHA256SUMS"
        sums.write_text(
            "".join(
                f"{sha256(dump)}  dump/{dump.name}\n" if line.endswith(dump.name) else line + "\n"
                for line in sums.read_text().splitlines()
            )
        )
        (kit / "run.json").unlink()
        (kit / "run.json").write_text("{}")
    src = dump.with_suffix(".orig")
    dump.rename(src)
    (truncated_copy if damage == "truncate" else flipped_copy)(src, dump)
    exp = tmp_path / "exp.toml"
    exp.write_text(EXPECT_TOML)
    r = _verify(cli, prod, dump, tmp_path / "v", "--expect", str(exp), "--json")
    assert r.returncode == 1, r.stderr
    env = json.loads(r.stdout)
    assert env["status"] == "FAIL" and env["exit_code"] == 1 and env["kit"] == str(tmp_path / "v"), env
    assert any("hash mismatch" in x and "nothing was restored" in x for x in env["result"]["reasons"]), env
    assert gate(tmp_path / "v", "pin")["status"] == "FAIL"
    gates = {g["name"]: g["status"] for g in run_json(tmp_path / "v")["gates"]}
    assert run_json(tmp_path / "v")["status"] == "FAIL"
    assert gates["instance"] == "SKIPPED" and gates["probe-after"] == "PASS", gates  # not reached; still probed
    summary = (tmp_path / "v" / "SUMMARY.md").read_text()
    assert "No object expectations were given" not in summary and "no --dsn was given" not in summary, summary
    assert "hash mismatch" in summary and "Next step" in summary, summary


def test_sha256_option_mismatch(prod: Prod, cli, tmp_path: Path) -> None:
    r = _verify(cli, prod, prod.gz, tmp_path / "v", "--sha256", "0" * 64)
    assert r.returncode == 1, r.stderr
    assert f"but --sha256 pins {'0' * 64}" in r.stdout, r.stdout
    r = _verify(cli, prod, prod.gz, tmp_path / "v2", "--sha256", "xyz")
    assert r.returncode == 2 and "expected 64 hexadecimal digits" in r.stderr
    assert not (tmp_path / "v2").exists()


def test_expectations_bad_input(prod: Prod, cli, tmp_path: Path) -> None:
    cases = {
        "unknown.toml": ("tables = []\nviewz = []\n", "unknown key 'viewz'"),
        "badtype.toml": (
            "[[count]]\ntable = 'public.unit'\nequals = 'forty'\n",
            "count[0].equals: must be an integer, got string",
        ),
        "syntax.toml": (
            "[[value]]\nname = 'v'\nsql = 'select max(id) fro public.unit'\nequals = '1'\n",
            "value[0].sql: SQL syntax error",
        ),
        "write.toml": (
            "[[value]]\nname = 'v'\nsql = 'update public.unit set fmt = null'\nequals = '1'\n",
            "value[0].sql: must be a SELECT",
        ),
    }
    for name, (text, message) in cases.items():
        f = tmp_path / name
        f.write_text(text)
        out = tmp_path / f"v-{name}"
        r = _verify(cli, prod, prod.dump, out, "--expect", str(f))
        assert r.returncode == 2, (name, r.stderr)
        assert message in r.stderr and str(f) in r.stderr, (name, r.stderr)
        assert not out.exists(), "bad input must stop before anything runs"
    r = _verify(cli, prod, prod.dump, tmp_path / "v-missing", "--expect", str(tmp_path / "missing.toml"))
    assert r.returncode == 2 and "expectations file not found" in r.stderr


def test_expectation_sql_that_fails_is_a_fail(prod: Prod, cli, tmp_path: Path) -> None:
    f = tmp_path / "fails.toml"
    f.write_text(
        EXPECT_TOML + "\n[[value]]\nname = 'oops'\nsql = 'select no_such_col from public.unit'\nequals = '1'\n"
    )
    r = _verify(cli, prod, prod.dump, tmp_path / "v", "--expect", str(f))
    assert r.returncode == 1, r.stderr
    assert 'column "no_such_col" does not exist' in r.stdout
    summary = (tmp_path / "v" / "SUMMARY.md").read_text()
    assert "value `oops`" in summary and "| FAIL |" in summary


def test_missing_or_wrong_files(prod: Prod, cli, tmp_path: Path) -> None:
    r = _verify(cli, prod, tmp_path / "nope.dump", tmp_path / "v1")
    assert r.returncode == 2 and "no such file" in r.stderr
    plain = tmp_path / "plain.sql"
    plain.write_text("-- PostgreSQL database dump\nCREATE TABLE t (a int);\n")
    r = _verify(cli, prod, plain, tmp_path / "v2")
    assert r.returncode == 2 and "a plain SQL script" in r.stderr
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # reading its header would block forever
    bad_inputs = {
        fifo: "not a regular file (nor a directory dump)",
        prod.kit: "a directory without toc.dat, so not a directory-format dump; for a backup kit, give the dump",
    }
    for bad, message in bad_inputs.items():
        r = _verify(cli, prod, bad, tmp_path / "v3")
        assert r.returncode == 2 and r.stderr.startswith(f"pgwarden: bad-input: {bad}: {message}"), r.stderr
    r = _verify(cli, prod, prod.dump, tmp_path / "v3", "--jobs", "100000")
    assert r.returncode == 2 and "--jobs 100000: expected 1 to 256" in r.stderr, r.stderr
    # bad input is decided before the kit exists (a non-archive used to leave a FAIL kit behind)
    assert not any((tmp_path / v).exists() for v in ("v1", "v2", "v3"))


def test_production_given_as_protect_and_dsn(prod: Prod, cli, tmp_path: Path) -> None:
    r = _verify(cli, prod, prod.dump, tmp_path / "v1", "--protect", prod.dsn)
    assert r.returncode == 2 and "same DSN as --dsn" in r.stderr
    other_db = prod.dsn.replace("dbname=postgres", "dbname=template1")
    r = _verify(cli, prod, prod.dump, tmp_path / "v2", "--protect", other_db)
    assert r.returncode == 2 and "is the same server as --dsn" in r.stderr
    assert not (tmp_path / "v1").exists() and not (tmp_path / "v2").exists()


def test_dump_newer_than_any_binaries(prod: Prod, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PostgreSQL 18 archive when only PostgreSQL 15 binaries are visible: exit 3, saying what is needed."""
    if prod.bins.major < 16 or 15 not in pgbin.available_majors(pgbin.ALL_TOOLS):
        pytest.skip("needs an archive from PostgreSQL 16+ and PostgreSQL 15 binaries")
    only15 = [b for b in pgbin.discover() if b.major == 15]
    monkeypatch.setattr(pgbin, "discover", lambda: only15)
    with pytest.raises(EnvironmentProblem) as err:
        verify_backup(prod.gz, out=tmp_path / "v")
    msg = err.value.message
    assert f"written by pg_dump {prod.bins.version}" in msg and "archive format 1.16" in msg
    assert "needs pg_restore 18 or newer, but the newest available is pg_restore 15." in msg, msg
    assert any("PGWARDEN_PG_BIN" in d for d in err.value.details)
    assert run_json(tmp_path / "v")["status"] == "ERROR"


def test_archive_format_newer_than_every_pg_restore(prod: Prod, cli, tmp_path: Path) -> None:
    """An archive whose format version no pg_restore here knows (a future PostgreSQL): exit 3."""
    data = bytearray(prod.gz.read_bytes())
    data[6] = 99  # archive format 1.99
    future = tmp_path / "future.dump"
    future.write_bytes(bytes(data))
    r = _verify(cli, prod, future, tmp_path / "v")
    assert r.returncode == 3, r.stderr
    assert "cannot read this archive" in r.stderr and "unsupported version (1.99)" in r.stderr
