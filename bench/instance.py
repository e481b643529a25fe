"""Throwaway instance readiness: median seconds to a connectable instance, against raw initdb + start.

Target (design): median ready <= 0.5 s. Run: .venv/bin/python bench/instance.py [runs]
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pgwarden import pgbin, proc
from pgwarden.instance import ThrowawayInstance
from pgwarden.runtime import run_as, runtime_root, server_binaries


def raw_initdb_start(bins: pgbin.PgBinaries) -> float:
    who = run_as()
    bins = server_binaries(bins, who)
    root = Path(tempfile.mkdtemp(dir=runtime_root()))
    data, sock = root / "data", root / "sock"
    data.mkdir(mode=0o700)
    sock.mkdir(mode=0o700)
    import os
    if who.uid is not None:
        for p in (root, data, sock):
            os.chown(p, who.uid, who.gid or -1)
    t0 = time.monotonic()
    try:
        proc.run([bins.path("initdb"), "-D", data, "-U", "postgres", "-A", "trust"], user=who.uid, group=who.gid,
                 cwd=root)
        proc.run([bins.path("pg_ctl"), "-D", data, "-w", "-l", root / "log", "-o",
                  f"-c listen_addresses='' -k {sock}", "start"], user=who.uid, group=who.gid, cwd=root)
        return time.monotonic() - t0
    finally:
        proc.run([bins.path("pg_ctl"), "-D", data, "-m", "immediate", "stop"], user=who.uid, group=who.gid,
                 cwd=root, check=False)
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    for major in pgbin.available_majors():
        bins = pgbin.find(pgbin.SERVER_TOOLS, major=major)
        with ThrowawayInstance(bins):
            pass  # warm the template cache
        ready = []
        for _ in range(runs):
            t0 = time.monotonic()
            with ThrowawayInstance(bins):
                ready.append(time.monotonic() - t0)
        raw = [raw_initdb_start(bins) for _ in range(3)]
        med, raw_med = statistics.median(ready), statistics.median(raw)
        verdict = "OK" if med <= 0.5 else "OVER TARGET"
        print(f"PostgreSQL {bins.version}: throwaway ready median {med:.3f}s over {runs} runs "
              f"(target <= 0.5s: {verdict}); raw initdb+start median {raw_med:.3f}s; ratio {med / raw_med:.2f}")


if __name__ == "__main__":
    main()
