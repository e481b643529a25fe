"""Probe speed on a database with 10,000 tables (3 columns and a primary key each).

Target (design): ``probe`` of a database with 10,000 tables <= 3 s. Prints the median of 3
``take_fingerprint`` runs, the full ``pgwarden probe`` command (connect, JSON file and evidence kit),
the ratio against a raw ``pg_dump --schema-only`` of the same database for context, and a comparison
of hashing definitions in Python (hashlib) against ``sha256()`` in SQL.

Run: .venv/bin/python bench/probe.py [tables]
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from pgwarden import proc, shipped_sql
from pgwarden.instances.instance import ThrowawayInstance
from pgwarden.pg import binaries as pgbin
from pgwarden.probe.probe import KIND_QUERIES, fingerprint_dsn, probe, take_fingerprint

TARGET_S = 3.0
RUNS = 3

BUILD = """
DO $$
BEGIN
  FOR i IN 1..%(n)s LOOP
    EXECUTE format('CREATE TABLE public.t%%s (id integer PRIMARY KEY, name text NOT NULL, '
                   'created timestamptz DEFAULT now())', i);
    IF i %% 1000 = 0 THEN COMMIT; END IF;
  END LOOP;
END $$;
"""


def median_of(fn: object, runs: int = RUNS) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def hash_comparison(conn: psycopg.Connection) -> tuple[float, float]:
    """Seconds for all kind queries hashed in Python, and with sha256() computed by the server."""
    session = shipped_sql.load("pgwarden.probe", "session.sql")

    def run(in_sql: bool) -> float:
        t0 = time.perf_counter()
        with conn.transaction(force_rollback=True), conn.cursor() as cur:
            cur.execute(session)
            for q in KIND_QUERIES:
                text = shipped_sql.load("pgwarden.probe", f"{q}.sql")
                if in_sql:
                    cur.execute(
                        f"SELECT kind, name, definition, "
                        f"encode(sha256(convert_to(definition, 'UTF8')), 'hex') FROM ({text}) q"
                    )
                    rows = [(k, n, d, h) for k, n, d, h in cur]
                else:
                    cur.execute(text)
                    rows = [(k, n, d, hashlib.sha256(d.encode()).hexdigest()) for k, n, d in cur]
                assert rows is not None
        return time.perf_counter() - t0

    py = statistics.median(run(False) for _ in range(RUNS))
    sq = statistics.median(run(True) for _ in range(RUNS))
    return py, sq


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    bins = pgbin.find(pgbin.ALL_TOOLS, major=18)
    print(f"probe bench: {n} tables on {bins.describe()}")
    with ThrowawayInstance(bins, settings={"max_locks_per_transaction": "256"}) as inst:
        dsn = inst.dsn()
        t0 = time.perf_counter()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(BUILD % {"n": n})
            conn.execute("ANALYZE")
        print(f"  built in {time.perf_counter() - t0:.1f} s")

        with psycopg.connect(dsn, autocommit=True) as conn:
            take_fingerprint(conn)  # warm the catalog caches, as a second probe in a run would be
            med, times = median_of(lambda: take_fingerprint(conn))
            fp = take_fingerprint(conn)
            py_hash, sql_hash = hash_comparison(conn)
        counts = ", ".join(f"{k} {v}" for k, v in sorted(fp.counts().items()))
        print(f"  entries: {len(fp.entries)} ({counts})")
        verdict = "PASS" if med <= TARGET_S else "FAIL"
        print(
            f"  take_fingerprint median of {RUNS}: {med:.3f} s  "
            f"(runs {', '.join(f'{t:.3f}' for t in times)}); target <= {TARGET_S} s: {verdict}"
        )
        dsn_med, _ = median_of(lambda: fingerprint_dsn(dsn))
        print(f"  fingerprint_dsn (new connection, cold caches) median: {dsn_med:.3f} s")
        est_med, _ = median_of(lambda: fingerprint_dsn(dsn, rows="estimate"))
        print(f"  fingerprint_dsn --rows estimate median: {est_med:.3f} s")
        exact_med, _ = median_of(lambda: fingerprint_dsn(dsn, rows="exact"), runs=1)
        print(f"  fingerprint_dsn --rows exact (1 run): {exact_med:.3f} s")

        with tempfile.TemporaryDirectory() as tmp:
            k = iter(range(100))
            cmd_med, _ = median_of(lambda: probe(dsn, rows="none", out=Path(tmp) / f"kit{next(k)}", write_kit=True))
            size = (Path(tmp) / "kit0" / "probes" / "probe.json").stat().st_size
            print(
                f"  pgwarden probe command (connect + JSON + kit) median: {cmd_med:.3f} s, "
                f"fingerprint file {size / 1e6:.1f} MB"
            )

            out = Path(tmp) / "schema.sql"
            dump_med, _ = median_of(lambda: proc.run([bins.path("pg_dump"), "--schema-only", "-f", out, "-d", dsn]))
            print(
                f"  raw pg_dump --schema-only median: {dump_med:.3f} s; "
                f"ratio take_fingerprint / pg_dump = {med / dump_med:.2f}, "
                f"probe command / pg_dump = {cmd_med / dump_med:.2f}"
            )

        print(
            f"  hashing: all kind queries + hashlib {py_hash:.3f} s vs sha256() in SQL {sql_hash:.3f} s "
            f"({'hashlib' if py_hash <= sql_hash else 'SQL'} is faster)"
        )


if __name__ == "__main__":
    main()
