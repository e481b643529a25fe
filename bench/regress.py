"""The regression-suite harness's tally, outside pytest: every file of shared/datasets/postgres-regress
replayed on a fresh throwaway server of each major, each statement predicted first (tests/_regress.py).

Run: .venv/bin/python bench/regress.py [--major N] [FILE ...]
Prints one line per file and the one-line tally per server; writes every non-agreeing case to
/tmp/pgwarden-regress-<major>.txt.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests._regress import Tally, regress_dir, regress_files, replay, setup_database

from pgwarden.instances.instance import ThrowawayInstance
from pgwarden.pg import binaries as pgbin


def run(major: int, only: list[str]) -> Tally:
    total = Tally()
    with ThrowawayInstance(pgbin.find(pgbin.ALL_TOOLS, major=major)) as inst:
        admin = psycopg.connect(inst.dsn(), autocommit=True)
        for name in regress_files():
            if only and name not in only:
                continue
            t0 = time.monotonic()
            db = "rg_" + name.removesuffix(".sql")
            conn = setup_database(admin, inst.dsn, db)
            t = replay(conn, regress_dir() / name)
            conn.close()
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            print(f"  {name}: {t.line()} ({time.monotonic() - t0:.1f} s)", flush=True)
            total.counts.update(t.counts)
            total.cases += t.cases
            total.unscored += t.unscored
    with open(f"/tmp/pgwarden-regress-{major}.txt", "w", encoding="utf-8") as fh:
        for c in total.cases:
            fh.write(
                f"{c.score}\t{c.stmt.file}:{c.stmt.line}\t{c.kind}\tpredicted {c.predicted}\tserver {c.server}\t"
                f"{' '.join(c.stmt.text.split())[:200]}\n"
            )
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--major", type=int, action="append")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    majors = args.major or sorted(m for m in pgbin.available_majors(pgbin.ALL_TOOLS) if m in (15, 18))
    for major in majors:
        print(f"PostgreSQL {major}:", flush=True)
        print(f"regression-suite harness, PostgreSQL {major}: {run(major, args.files).line()}", flush=True)


if __name__ == "__main__":
    main()
