"""Backup and verify-backup speed, as ratios against the raw PostgreSQL tools, measured in one run.

Targets (design):
  pgwarden backup / raw ``pg_dump -Fc -f FILE``                       <= 1.05 at >= 1 GB, <= 1.3 on a ~7 MB dump
  verify-backup / raw (initdb + start + pg_restore --jobs N) into an equally tuned (fsync off) cluster  <= 1.15
  (second line, kept from before: verify-backup / raw restore into a default cluster, 1 job)

The large "production" is a throwaway instance filled by ``pgbench -i -s SCALE`` (default 70, ~1.05 GB);
the small one is a database of random-looking text whose ``pg_dump -Fc`` is about 7 MB. Each ratio is the
median of paired rounds that alternate which side runs first. The library functions are timed (what an
embedding program pays); the CLI is timed too for the small database, where Python's start-up shows.
Where pgwarden's fixed cost goes is printed from its kits (time per gate).

Run: .venv/bin/python bench/backup.py [--scale N] [--rounds N] [--major N] [--skip-large]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from _raw import raw_cluster

from pgwarden import proc
from pgwarden.backup.backup import backup
from pgwarden.backup.verify import verify_backup
from pgwarden.instances.instance import THROWAWAY_SETTINGS, ThrowawayInstance
from pgwarden.pg import binaries as pgbin


def raw_pg_dump(bins: pgbin.PgBinaries, dsn: str, dest: Path) -> float:
    t0 = time.monotonic()
    proc.run([bins.path("pg_dump"), "-Fc", "-f", dest, "-d", dsn], timeout=24 * 3600)
    return time.monotonic() - t0


def raw_restore(bins: pgbin.PgBinaries, dump: Path, *, jobs: int, tuned: bool) -> float:
    """initdb + start (tuned like pgwarden's throwaway instances, or default) + createdb + pg_restore."""
    t0 = time.monotonic()
    with raw_cluster(bins, THROWAWAY_SETTINGS if tuned else None) as raw:
        with psycopg.connect(raw.dsn, autocommit=True) as conn:
            conn.execute("CREATE DATABASE restored")
        proc.run(
            [
                bins.path("pg_restore"),
                "--jobs",
                str(jobs),
                "-d",
                raw.dsn.replace("dbname=postgres", "dbname=restored"),
                dump,
            ],
            timeout=24 * 3600,
        )
        return time.monotonic() - t0


def gate_times(kit: Path) -> str:
    gates = json.loads((kit / "run.json").read_text())["gates"]
    return ", ".join(f"{g['name']} {g['seconds']:.2f}" for g in gates if g["status"] != "SKIPPED")


def paired(rounds: int, raw: Callable[[int], float], ours: Callable[[int], float], label: str, target: float) -> float:
    raws: list[float] = []
    mine: list[float] = []
    for i in range(rounds):
        for side in ("raw", "ours") if i % 2 == 0 else ("ours", "raw"):
            (raws if side == "raw" else mine).append(raw(i) if side == "raw" else ours(i))
        print(f"  round {i + 1}: raw {raws[-1]:.2f} s, pgwarden {mine[-1]:.2f} s", flush=True)
    ratio = float(statistics.median(o / r for o, r in zip(mine, raws, strict=True)))
    print(
        f"{label} = {ratio:.3f} (median of {rounds} paired rounds; best-of {min(mine):.2f} / {min(raws):.2f} = "
        f"{min(mine) / min(raws):.3f}) (target <= {target}: {'OK' if ratio <= target else 'OVER'})",
        flush=True,
    )
    return ratio


def bench_backup(
    bins: pgbin.PgBinaries, dsn: str, work: Path, rounds: int, what: str, target: float, cli: bool = False
) -> Path:
    dumps: list[Path] = []

    def raw(i: int) -> float:
        f = work / f"raw-{what}-{i}.dump"
        s = raw_pg_dump(bins, dsn, f)
        f.unlink()
        return s

    def ours(i: int) -> float:
        out = work / f"backup-{what}-{i}"
        t0 = time.monotonic()
        res = backup(dsn, out=out)
        s = time.monotonic() - t0
        print(
            f"    pgwarden gates (s): {gate_times(out)}; source record {res.record_seconds:.2f} s concurrently "
            f"with pg_dump ({res.tables_counted} tables counted exactly); dump {res.bytes / 1e6:.1f} MB",
            flush=True,
        )
        for old in dumps:  # keep one kit only: at 1 GB a kit per round would fill the disk
            shutil.rmtree(Path(old).parents[1], ignore_errors=True)
        dumps[:] = [Path(res.dump_path)]
        return s

    paired(rounds, raw, ours, f"backup / raw pg_dump -Fc ({what}, library call)", target)
    if cli:

        def ours_cli(i: int) -> float:
            out = work / f"backup-cli-{what}-{i}"
            t0 = time.monotonic()
            subprocess.run(
                [sys.executable, "-m", "pgwarden", "backup", "--dsn", dsn, "--out", str(out)],
                check=True,
                capture_output=True,
            )
            s = time.monotonic() - t0
            shutil.rmtree(out)
            return s

        t0 = time.monotonic()
        subprocess.run([sys.executable, "-c", "import pgwarden.cli, pgwarden.backup.backup"], check=True)
        print(
            f"  Python start-up and imports of the backup command: {time.monotonic() - t0:.2f} s "
            "(psycopg alone is most of it)",
            flush=True,
        )
        paired(rounds, raw, ours_cli, f"backup / raw pg_dump -Fc ({what}, the pgwarden CLI process)", target)
    return dumps[-1]


def bench_verify(bins: pgbin.PgBinaries, dump: Path, work: Path, rounds: int, what: str) -> None:
    jobs = max(1, min(8, os.cpu_count() or 1))  # verify-backup's default

    def ours(i: int) -> float:
        out = work / f"verify-{what}-{i}"
        t0 = time.monotonic()
        v = verify_backup(dump, out=out, jobs=jobs)
        s = time.monotonic() - t0
        assert v.verdict == "PASS", v.reasons
        print(f"    pgwarden gates (s): {gate_times(out)}", flush=True)
        shutil.rmtree(out)
        return s

    paired(
        rounds,
        lambda _i: raw_restore(bins, dump, jobs=jobs, tuned=True),
        ours,
        f"verify-backup / raw initdb + start + pg_restore --jobs {jobs}, equally tuned ({what})",
        1.15,
    )
    paired(
        rounds,
        lambda _i: raw_restore(bins, dump, jobs=1, tuned=False),
        ours,
        f"verify-backup / raw restore into a default cluster, 1 job ({what}; the old line)",
        0.8,
    )


def small_database(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE DATABASE small")
    with psycopg.connect(dsn.replace("dbname=postgres", "dbname=small"), autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE items AS SELECT g AS id, md5(g::text) AS a, md5((g * 7)::text) AS b, "
            "md5((g * 13)::text) AS c FROM generate_series(1, 110000) g"
        )
        conn.execute("ALTER TABLE items ADD PRIMARY KEY (id); CREATE INDEX ON items (a)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=70)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--major", type=int, default=None)
    ap.add_argument("--skip-large", action="store_true", help="only the ~7 MB database")
    args = ap.parse_args()
    major = args.major or max(pgbin.available_majors(pgbin.ALL_TOOLS))
    bins = pgbin.find(pgbin.ALL_TOOLS, major=major)
    work = Path(tempfile.mkdtemp(prefix="pgwarden-bench-"))
    print(
        f"PostgreSQL {bins.version} ({bins.bindir}); {os.cpu_count()} CPUs; load {os.getloadavg()}; work dir {work}",
        flush=True,
    )
    try:
        with ThrowawayInstance(bins) as prod:
            dsn = prod.dsn()
            small_database(dsn)
            sdsn = dsn.replace("dbname=postgres", "dbname=small")
            print("\n== ~7 MB dump ==", flush=True)
            sdump = bench_backup(bins, sdsn, work, args.rounds, "~7 MB", 1.3, cli=True)
            bench_verify(bins, sdump, work, args.rounds, "~7 MB")
            if not args.skip_large:
                t0 = time.monotonic()
                proc.run(
                    [
                        bins.bindir / "pgbench",
                        "-i",
                        "-q",
                        "-s",
                        str(args.scale),
                        "-h",
                        str(prod.socket_dir),
                        "-p",
                        "5432",
                        "-U",
                        "postgres",
                        "postgres",
                    ],
                    timeout=24 * 3600,
                )
                with psycopg.connect(dsn) as conn:
                    size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]  # type: ignore[index]
                print(
                    f"\n== pgbench -i -s {args.scale}: {size / 1e9:.2f} GB in {time.monotonic() - t0:.1f} s ==",
                    flush=True,
                )
                ldump = bench_backup(bins, dsn, work, args.rounds, f"{size / 1e9:.2f} GB", 1.05)
                bench_verify(bins, ldump, work, max(1, args.rounds - 1), f"{size / 1e9:.2f} GB")
        print(f"load average at the end: {os.getloadavg()} (other work on this machine skews wall times)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
