"""apply speed, as a ratio measured in one run on a >= 1 GB database with a 5-bundle package.

Target (design):
  pgwarden apply --no-rehearse / (raw ``pg_dump -Fc`` + ``psql -1 -f`` of each bundle)   <= 1.15

The "production" is a throwaway instance filled by ``pgbench -i -s SCALE`` (default 70, ~1.05 GB). Between
rounds the package is rolled back and the ledger dropped (not timed), so that every round does the same
work; the order of the two alternates per round and the verdict is the median of paired ratios.
Run: .venv/bin/python bench/apply.py [--scale N] [--rounds N] [--major N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import psycopg

from pgwarden import proc
from pgwarden.apply.apply import apply
from pgwarden.apply.options import Options
from pgwarden.instances.instance import ThrowawayInstance
from pgwarden.package.lock import lock
from pgwarden.pg import binaries as pgbin

BUNDLES = {
    "A": (
        "CREATE TABLE public.bench_note (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, aid int, note text);\n"
        "CREATE INDEX bench_note_aid ON public.bench_note (aid);\n",
        "DROP TABLE public.bench_note;\n",
    ),
    "B": (
        "ALTER TABLE public.pgbench_accounts ADD COLUMN bench_flag boolean DEFAULT false;\n",
        "ALTER TABLE public.pgbench_accounts DROP COLUMN bench_flag;\n",
    ),
    "C": (
        "CREATE FUNCTION public.bench_balance(p_aid int) RETURNS int LANGUAGE sql STABLE AS\n"
        "$$ SELECT abalance FROM public.pgbench_accounts WHERE aid = p_aid $$;\n",
        "DROP FUNCTION public.bench_balance(int);\n",
    ),
    "D": (
        "CREATE VIEW public.bench_rich AS SELECT aid, abalance FROM public.pgbench_accounts WHERE abalance > 1000;\n",
        "DROP VIEW public.bench_rich;\n",
    ),
    "E": (
        "COMMENT ON TABLE public.pgbench_accounts IS 'accounts (bench)';\n",
        "COMMENT ON TABLE public.pgbench_accounts IS NULL;\n",
    ),
}


def write_package(root: Path) -> Path:
    root.mkdir()
    toml = ['[package]\nname = "bench"\n\n[settings]\nlock_timeout = "5s"\n\n']
    for bid, (up, down) in BUNDLES.items():
        (root / f"{bid}.sql").write_text(up)
        (root / f"{bid}.rollback.sql").write_text(down)
        toml.append(
            f'[[bundle]]\nid = "{bid}"\ntitle = "bench {bid}"\napply = "{bid}.sql"\nrollback = "{bid}.rollback.sql"\n\n'
        )
    (root / "pgwarden.toml").write_text("".join(toml))
    lock(root)
    return root


def raw(bins: pgbin.PgBinaries, dsn: str, pkg: Path, dest: Path) -> float:
    t0 = time.monotonic()
    proc.run([bins.path("pg_dump"), "-Fc", "-f", dest, "-d", dsn], timeout=24 * 3600)
    for bid in BUNDLES:
        proc.run(
            [bins.path("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", pkg / f"{bid}.sql", "-d", dsn],
            timeout=3600,
        )
    return time.monotonic() - t0


def undo(bins: pgbin.PgBinaries, dsn: str, pkg: Path) -> None:
    for bid in reversed(BUNDLES):
        proc.run(
            [
                bins.path("psql"),
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-1",
                "-f",
                pkg / f"{bid}.rollback.sql",
                "-d",
                dsn,
            ],
            timeout=3600,
        )
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS pgwarden CASCADE")
        conn.execute("CHECKPOINT")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=70)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--major", type=int, default=None)
    args = ap.parse_args()
    major = args.major or max(pgbin.available_majors(pgbin.ALL_TOOLS))
    bins = pgbin.find(pgbin.ALL_TOOLS, major=major)
    work = Path(tempfile.mkdtemp(prefix="pgwarden-bench-apply-"))
    print(
        f"PostgreSQL {bins.version} ({bins.bindir}); {os.cpu_count()} CPUs; load {os.getloadavg()}; work dir {work}",
        flush=True,
    )
    try:
        with ThrowawayInstance(bins) as prod:
            dsn = prod.dsn()
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
                row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
            print(f"database: {row[0] if row else 0:,} bytes (pgbench -s {args.scale})", flush=True)
            pkg = write_package(work / "pkg")
            ratios, raws, ours = [], [], []
            last = None
            for i in range(args.rounds):
                order = ("raw", "apply") if i % 2 == 0 else ("apply", "raw")
                times: dict[str, float] = {}
                for what in order:
                    if what == "raw":
                        times["raw"] = raw(bins, dsn, pkg, work / f"raw{i}.dump")
                        (work / f"raw{i}.dump").unlink()
                    else:
                        t0 = time.monotonic()
                        last = apply(pkg, Options(dsn=dsn, out=work / f"kit{i}", rehearse="none"))
                        times["apply"] = time.monotonic() - t0
                        assert last.verdict == "PASS", last.reasons
                        shutil.rmtree(work / f"kit{i}")
                    undo(bins, dsn, pkg)
                raws.append(times["raw"])
                ours.append(times["apply"])
                ratios.append(times["apply"] / times["raw"])
                print(
                    f"round {i + 1}: raw pg_dump + psql -1 x5 {times['raw']:.2f} s, apply {times['apply']:.2f} s, "
                    f"ratio {ratios[-1]:.3f}",
                    flush=True,
                )
            assert last is not None
            print("time per gate (last round):")
            for name, seconds in last.gate_seconds.items():
                print(f"  {name:<13} {seconds:8.3f} s  {last.gate_status.get(name, '')}")
            median = statistics.median(ratios)
            print(
                f"apply --no-rehearse / raw: median of paired ratios {median:.3f} (best-of "
                f"{min(ours) / min(raws):.3f}); target <= 1.15: {'OK' if median <= 1.15 else 'OVER'}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
