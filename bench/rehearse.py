"""Rehearsal speed, as ratios measured in one run.

Targets (design and issue 11):
  rehearse of a 300-bundle package / raw ``psql -1 -f`` of each bundle's apply, rollback, apply again  <= 1.5
  rehearse of the seed-000 package on the Pagila schema / raw (pg_dump -s + initdb + start + restore + the
  bundles, their rollbacks and the bundles again by psql)                                             (printed)

The target is a throwaway instance holding the Pagila schema. The raw runs use a clone made the raw way, so
both sides start from the same schema; pgwarden's figure is the whole ``rehearse`` (clone, fingerprints, report).
Run: .venv/bin/python bench/rehearse.py [--bundles N] [--major N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

import psycopg
from _raw import raw_cluster

from pgwarden import proc
from pgwarden.instances.instance import ThrowawayInstance
from pgwarden.package.lock import lock
from pgwarden.pg import binaries as pgbin
from pgwarden.rehearse.rehearse import rehearse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import PAGILA_PARTS, shared_dataset


def generated(root: Path, n: int) -> Path:
    root.mkdir()
    toml = ['[package]\nname = "bench-rehearse"\n\n']
    for i in range(1, n + 1):
        (root / f"b{i:03d}.sql").write_text(
            f"CREATE TABLE public.gen_{i} (id int PRIMARY KEY, v text, at timestamptz DEFAULT now());\n"
            f"CREATE INDEX gen_{i}_v ON public.gen_{i} (v);\n"
            f"CREATE FUNCTION public.gen_f_{i}(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x + {i} $$;\n"
        )
        (root / f"b{i:03d}.rollback.sql").write_text(
            f"DROP FUNCTION public.gen_f_{i}(int);\nDROP TABLE public.gen_{i};\n"
        )
        toml.append(
            f'[[bundle]]\nid = "b{i:03d}"\ntitle = "generated {i}"\napply = "b{i:03d}.sql"\n'
            f'rollback = "b{i:03d}.rollback.sql"\n\n'
        )
    (root / "pgwarden.toml").write_text("".join(toml))
    lock(root)
    return root


def seed000(root: Path) -> Path:
    src = resources.files("pgwarden.demo").joinpath("packages", "seed000")
    root.mkdir()
    for item in src.iterdir():
        if item.name.endswith((".sql", ".toml")) and item.name != "production.sql":
            (root / item.name).write_bytes(item.read_bytes())
    toml = (root / "pgwarden.toml").read_text()
    (root / "pgwarden.toml").write_text(toml[: toml.index("[target]")] + toml[toml.index("[settings]") :])
    e = (root / "E.sql").read_text().replace("p_review_note text)\n", "p_review_note text DEFAULT NULL::text)\n", 1)
    (root / "E.sql").write_text(e)
    lock(root)
    return root


def bundle_ids(pkg: Path) -> list[str]:
    import tomllib

    return [b["id"] for b in tomllib.loads((pkg / "pgwarden.toml").read_text())["bundle"]]


def raw_psql(bins: pgbin.PgBinaries, dsn: str, pkg: Path) -> float:
    """psql -1 -f of each bundle's apply, rollback, and apply again."""
    t0 = time.monotonic()
    for bid in bundle_ids(pkg):
        for f in (f"{bid}.sql", f"{bid}.rollback.sql", f"{bid}.sql"):
            proc.run(
                [bins.path("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", pkg / f, "-d", dsn], timeout=600
            )
    return time.monotonic() - t0


def raw_clone_and_psql(bins: pgbin.PgBinaries, target: str, pkg: Path, work: Path) -> float:
    """pg_dump -s + initdb + start + restore + the bundles by psql (the raw way to rehearse by hand)."""
    t0 = time.monotonic()
    proc.run([bins.path("pg_dump"), "--schema-only", "-f", work / "schema.sql", "-d", target], timeout=600)
    with raw_cluster(bins) as raw:
        proc.run([bins.path("psql"), "-X", "-q", "-f", work / "schema.sql", "-d", raw.dsn], timeout=600)
        raw_psql(bins, raw.dsn, pkg)
    return time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundles", type=int, default=300)
    ap.add_argument("--major", type=int, default=None)
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    major = args.major or max(pgbin.available_majors(pgbin.ALL_TOOLS))
    bins = pgbin.find(pgbin.ALL_TOOLS, major=major)
    work = Path(tempfile.mkdtemp(prefix="pgwarden-bench-rehearse-"))
    print(f"PostgreSQL {bins.version}; {os.cpu_count()} CPUs; load {os.getloadavg()}", flush=True)
    try:
        with ThrowawayInstance(bins) as target:
            dsn = target.dsn()
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(shared_dataset(*PAGILA_PARTS).read_text())
                conn.execute(
                    resources.files("pgwarden.demo").joinpath("packages", "seed000", "production.sql").read_text()
                )
            gen = generated(work / "gen", args.bundles)
            s000 = seed000(work / "s000")
            ratios = []
            for i in range(args.rounds):
                with ThrowawayInstance(bins) as scratch:
                    with psycopg.connect(scratch.dsn(), autocommit=True) as conn:
                        conn.execute(shared_dataset(*PAGILA_PARTS).read_text())
                    raw = raw_psql(bins, scratch.dsn(), gen)
                t0 = time.monotonic()
                r = rehearse(gen, dsn=dsn, out=work / f"k{i}")
                ours = time.monotonic() - t0
                assert r.verdict == "PASS", [f.message for f in r.findings[:3]]
                ratios.append(ours / raw)
                per_fp = r.seconds / max(1, r.fingerprints)
                print(
                    f"{args.bundles} bundles: raw psql -1 -f x{3 * args.bundles} {raw:.2f} s; rehearse {ours:.2f} s "
                    f"({r.fingerprints} fingerprints, {per_fp * 1000:.1f} ms per fingerprint incl. statements); "
                    f"ratio {ours / raw:.3f}",
                    flush=True,
                )
                print("  time per gate: " + ", ".join(f"{k} {v:.2f} s" for k, v in r.step_seconds.items()))
                shutil.rmtree(work / f"k{i}")
            print(
                f"rehearse / raw psql (300-bundle package): {statistics.median(ratios):.3f}; target <= 1.5: "
                f"{'OK' if statistics.median(ratios) <= 1.5 else 'OVER'}"
            )
            raw_s = raw_clone_and_psql(bins, dsn, s000, work)
            t0 = time.monotonic()
            r = rehearse(s000, dsn=dsn, out=work / "ks")
            ours = time.monotonic() - t0
            assert r.verdict == "PASS", [f.message for f in r.findings[:3]]
            print(
                f"seed-000 on Pagila: raw pg_dump -s + initdb + start + restore + psql {raw_s:.2f} s; rehearse "
                f"{ours:.2f} s; ratio {ours / raw_s:.3f}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
