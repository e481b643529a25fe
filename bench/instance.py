"""Throwaway instance readiness: median seconds to a connectable instance, against raw initdb + start.

Target (design): median ready <= 0.5 s. Run: .venv/bin/python bench/instance.py [runs]
"""

from __future__ import annotations

import statistics
import sys
import time

from _raw import raw_cluster

from pgwarden import proc
from pgwarden.instances.instance import ThrowawayInstance
from pgwarden.pg import binaries as pgbin


def raw_initdb_start(bins: pgbin.PgBinaries) -> float:
    with raw_cluster(bins) as raw:
        return raw.started_in


_ONE_COMMAND = (
    "import sys\n"
    "from pgwarden import pgbin\n"
    "from pgwarden.instance import ThrowawayInstance\n"
    "with ThrowawayInstance(pgbin.find(pgbin.SERVER_TOOLS, major=int(sys.argv[1]))) as inst:\n"
    "    print(inst.info.ready_seconds)\n"
)


def per_command(major: int, runs: int) -> list[float]:
    """Ready time as a pgwarden command sees it: one instance per fresh process."""
    out = []
    for _ in range(runs):
        res = proc.run([sys.executable, "-c", _ONE_COMMAND, str(major)], timeout=120)
        out.append(float(res.stdout.strip()))
    return out


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
        cmd = per_command(major, runs)
        raw = [raw_initdb_start(bins) for _ in range(3)]
        med, cmd_med, raw_med = statistics.median(ready), statistics.median(cmd), statistics.median(raw)
        print(
            f"PostgreSQL {bins.version}: ready median {cmd_med:.3f}s one instance per command "
            f"(target <= 0.5s: {'OK' if cmd_med <= 0.5 else 'OVER TARGET'}), {med:.3f}s back-to-back in one "
            f"process; raw initdb+start median {raw_med:.3f}s; ratio {cmd_med / raw_med:.2f}"
        )


if __name__ == "__main__":
    main()
