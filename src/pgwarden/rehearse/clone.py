"""The rehearsal's throwaway clone of the target: schema only (the default), with data, or a pinned backup.

The target is only read: ``pg_dump`` (``--schema-only`` unless data is wanted) of it into a private
directory of the runtime directory (``clone-<pid>-<random>``, mode 0700; with ``--data`` it holds a full
dump of production, so ``pgwarden gc`` removes it once this process is gone, after a SIGKILL say), the
roles its archive names created NOLOGIN in a throwaway instance of the target's major (their attributes
mirrored from the target), then ``pg_restore``, every error classified. A clone with a degraded or fatal
restore error is not the target, and the rehearsal says so instead of rehearsing on it.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import psycopg

from pgwarden.backup.dumpstream import stream_dump
from pgwarden.backup.pin import check_pin
from pgwarden.backup.restore import archive_roles, choose_binaries, create_roles, role_attributes, run_restore
from pgwarden.backup.restore_errors import BENIGN, ClassifiedError
from pgwarden.backup.schema_dump import parse_schema
from pgwarden.backup.schema_text import extract_schema
from pgwarden.backup.toc import list_archive, read_header
from pgwarden.errors import BadInput, GateFailed
from pgwarden.evidence.gates import GateStatus
from pgwarden.instances.instance import InstanceInfo, ThrowawayInstance
from pgwarden.instances.runtime import PrivateKind, private_dir
from pgwarden.pg import binaries as pgbin
from pgwarden.pg.conn import client_conninfo, connection, session_limits
from pgwarden.pg.guard import ServerIdentity
from pgwarden.progress import SILENT, Reporter


class CloneKind(StrEnum):
    SCHEMA = "schema"  # pg_dump --schema-only of the target
    DATA = "data"  # pg_dump of the target, data included
    BACKUP = "backup"  # a pinned backup, its pin checked first


@dataclass(frozen=True)
class CloneInfo:
    kind: CloneKind
    source: str
    database: str
    instance: InstanceInfo
    roles_created: tuple[str, ...]
    restore_errors: tuple[ClassifiedError, ...]
    dump_bytes: int
    dump_sha256: str | None
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Clone:
    info: CloneInfo
    dsn: str
    instance: ThrowawayInstance

    def reader_dsn(self, role: str) -> str:
        return self.instance.dsn(self.info.database, user=role)


def _dump_target(dsn: str | None, ident: ServerIdentity, kind: CloneKind, dest: Path, log: Path) -> str:
    bins = pgbin.find(("pg_dump", "pg_restore"), major=ident.server_major, at_least=ident.server_major)
    conninfo, env, secrets = client_conninfo(dsn, "pgwarden rehearse")
    if ident.server_major >= 14:
        env["PGOPTIONS"] = " ".join(
            x for x in (os.environ.get("PGOPTIONS", ""), "-c client_connection_check_interval=2s") if x
        )
    argv: list[str | Path] = [
        bins.path("pg_dump"),
        "--no-password",
        "--no-sync",
        "-Fc",
        f"--lock-wait-timeout={session_limits().lock_timeout}",
        "-d",
        conninfo,
    ]
    if kind == CloneKind.SCHEMA:
        argv.insert(4, "--schema-only")
    return stream_dump(argv, dest, env=env, log_path=log, secrets=secrets).sha256


@contextmanager
def make_clone(
    kind: CloneKind,
    *,
    dsn: str | None,
    ident: ServerIdentity,
    dump: Path | None,
    logs: Path,
    reporter: Reporter = SILENT,
) -> Iterator[Clone]:
    """Yield a running clone; it is removed on the way out, whatever happened."""
    seconds: dict[str, float] = {}
    work = private_dir(PrivateKind.CLONE)  # removed below, or by gc when this process was killed
    try:
        t0 = time.monotonic()
        sha: str | None = None
        if kind == CloneKind.BACKUP:
            assert dump is not None
            pin = check_pin(dump, None)
            if pin.status != GateStatus.PASS:
                why = "; ".join(pin.problems) or "it is not in a backup kit, so nothing pins it"
                raise BadInput(f"--from-backup {dump}: the pin does not check out: {why}")
            archive, sha = dump, pin.actual
            source = str(dump)
        else:
            archive = work / "clone.dump"
            reporter.step(f"cloning the target ({'schema only' if kind == CloneKind.SCHEMA else 'with data'})")
            sha = _dump_target(dsn, ident, kind, archive, logs / "clone-pg_dump.log")
            tool = "pg_dump --schema-only" if kind == CloneKind.SCHEMA else "pg_dump"
            source = f"{tool} of database {ident.database}"
        seconds["dump"] = round(time.monotonic() - t0, 3)
        header = read_header(archive)
        choice = choose_binaries(header, archive)
        listing, _raw = list_archive(choice.restore, archive, log_path=logs / "clone-toc.log")
        text, _n = extract_schema(choice.restore, archive, log_path=logs / "clone-schema.log")
        roles = archive_roles(listing, parse_schema(text))
        attrs = None
        if dsn is not None and roles:
            with connection(dsn, application_name="pgwarden rehearse") as pconn:
                attrs = role_attributes(pconn, roles)
        t0 = time.monotonic()
        inst = ThrowawayInstance(choice.server, forbidden_sysids={"the target": ident.system_identifier})
        with inst:
            assert inst.info is not None
            seconds["instance"] = round(time.monotonic() - t0, 3)
            name = header.dbname if header.dbname not in ("", "template0", "template1") else "rehearsal"
            if name != "postgres":
                with connection(inst.dsn()) as conn:
                    conn.execute(
                        psycopg.sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(psycopg.sql.Identifier(name))
                    )
            t0 = time.monotonic()
            with connection(inst.dsn(name)) as conn:
                made = create_roles(conn, roles, attrs)
            run = run_restore(
                choice.restore,
                inst.dsn(name),
                archive,
                jobs=max(1, min(4, os.cpu_count() or 1)),
                no_owner=False,
                no_privileges=False,
                log_path=logs / "clone-pg_restore.log",
            )
            seconds["restore"] = round(time.monotonic() - t0, 3)
            bad = [e for e in run.errors if e.cls != BENIGN]
            info = CloneInfo(
                kind,
                source,
                name,
                inst.info,
                tuple(m.name for m in made if m.created),
                run.errors,
                archive.stat().st_size,
                sha,
                seconds,
            )
            if bad:
                raise GateFailed(
                    f"the clone is not the target: {len(bad)} restore error(s), first: {bad[0].reason}",
                    details=[e.message for e in bad[:5]],
                )
            yield Clone(info, inst.dsn(name), inst)
    finally:
        shutil.rmtree(work, ignore_errors=True)
