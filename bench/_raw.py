"""The baseline every bench compares against: a default cluster made the plain way (initdb + pg_ctl start).

Only the port is changed (a private unix socket, no TCP), so baselines never touch anything else.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgwarden import proc
from pgwarden.instances.runtime import runtime_root, server_binaries
from pgwarden.instances.sandbox import run_as
from pgwarden.pg import binaries as pgbin


@dataclass(frozen=True)
class RawCluster:
    dsn: str
    started_in: float  # seconds for initdb + start


@contextmanager
def raw_cluster(bins: pgbin.PgBinaries, settings: Mapping[str, str] | None = None) -> Iterator[RawCluster]:
    """initdb + start with the default configuration, or with ``settings`` (e.g. the throwaway tuning, for
    an equally tuned baseline); stopped and removed on exit."""
    who = run_as()
    sbins = server_binaries(bins, who)
    root = Path(tempfile.mkdtemp(dir=runtime_root()))
    data, sock = root / "data", root / "sock"
    data.mkdir(mode=0o700)
    sock.mkdir(mode=0o700)
    if who.uid is not None:
        for p in (root, data, sock):
            os.chown(p, who.uid, who.gid or -1)
    as_server: dict[str, Any] = {"user": who.uid, "group": who.gid, "cwd": root}
    t0 = time.monotonic()
    try:
        proc.run([sbins.path("initdb"), "-D", data, "-U", "postgres", "-A", "trust"], timeout=600, **as_server)
        extra = "".join(f" -c {k}='{v}'" for k, v in (settings or {}).items() if k != "listen_addresses")
        proc.run(
            [
                sbins.path("pg_ctl"),
                "-D",
                data,
                "-w",
                "-l",
                root / "log",
                "-o",
                f"-c listen_addresses='' -k {sock}{extra}",
                "start",
            ],
            **as_server,
        )
        yield RawCluster(f"host={sock} port=5432 user=postgres dbname=postgres", time.monotonic() - t0)
    finally:
        proc.run([sbins.path("pg_ctl"), "-D", data, "-m", "immediate", "stop"], check=False, **as_server)
        shutil.rmtree(root, ignore_errors=True)
