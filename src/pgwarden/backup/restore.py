"""Restoring an archive into a throwaway instance: binaries, a full read, roles, pg_restore.

The restore server is the dump's source major when this machine has it, else the newest one. The
pg_restore must be at least as new as the pg_dump that wrote the archive (older ones cannot read newer
archive formats); a newer pg_restore talking to an older server is fine and its stray ``SET`` of an
unknown parameter is classified benign. Roles the archive names are created as NOLOGIN first, so
owners, grants and policies restore too; with ``--dsn`` their attributes (superuser, …) are mirrored
from production, never their passwords or LOGIN.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from pgwarden import proc, shipped_sql
from pgwarden.backup.restore_errors import ClassifiedError, classify_all, parse_messages, reported_error_count
from pgwarden.backup.schema_dump import ParsedSchema, roles_in_schema
from pgwarden.backup.toc import ArchiveHeader, TocListing
from pgwarden.errors import EnvironmentProblem
from pgwarden.pg import binaries as pgbin
from pgwarden.pg.binaries import SERVER_TOOLS, PgBinaries
from pgwarden.pg.conn import read_only


@dataclass(frozen=True)
class BinaryChoice:
    server: PgBinaries  # the throwaway instance's binaries
    restore: PgBinaries  # pg_restore used for the read and the restore
    exact_major: bool  # server major == the dump's source major
    note: str


def choose_binaries(header: ArchiveHeader, dump: Path) -> BinaryChoice:
    src, made_by = header.server_major, header.pg_dump_major
    try:
        server = pgbin.find(SERVER_TOOLS, major=src or None)
    except EnvironmentProblem:
        server = pgbin.find(SERVER_TOOLS)
    if src and server.major != src:
        server = pgbin.find(SERVER_TOOLS)
    exact = server.major == src
    want = max(server.major, made_by)
    try:
        restore = pgbin.find(("pg_restore",), major=want, at_least=made_by or None)
    except EnvironmentProblem as exc:
        have = sorted(pgbin.discover(), key=lambda b: -b.major)
        newest = next((b for b in have if "pg_restore" in b.tools), None)
        raise EnvironmentProblem(
            f"{dump}: written by pg_dump {header.pg_dump_version} (archive format {header.archive_version}); "
            f"reading it needs pg_restore {made_by} or newer, but the newest available is "
            + (f"pg_restore {newest.version} ({newest.bindir})" if newest else "none"),
            details=[
                f"install PostgreSQL {made_by} client binaries or set PGWARDEN_PG_BIN to their directory",
                *exc.details[:-1],
            ],
        ) from None
    note = (
        f"PostgreSQL {server.version}: the dump's source major {src}"
        if exact
        else f"PostgreSQL {server.version}: source major {src} is not available here, so the newest"
    )
    return BinaryChoice(server, restore, exact, note)


@dataclass(frozen=True)
class ReadCheck:
    ok: bool
    seconds: float
    returncode: int
    errors: tuple[ClassifiedError, ...]


class FullRead:
    """``pg_restore -f /dev/null``: read and decompress every byte of the archive, in the background.

    Started with :func:`start_full_read` so that it overlaps the instance start; :meth:`result` waits,
    :meth:`cancel` stops it (an interrupt must not wait for a long read to finish).
    """

    def __init__(self, bins: PgBinaries, archive: Path, log_path: Path) -> None:
        self.log_path = log_path
        self.t0 = time.monotonic()
        self.popen = proc.spawn([bins.path("pg_restore"), "-f", os.devnull, archive], log_path=log_path)

    def result(self) -> ReadCheck:
        rc = self.popen.wait()
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        errors = classify_all(parse_messages(text))
        return ReadCheck(rc == 0 and not errors, round(time.monotonic() - self.t0, 3), rc, errors)

    def cancel(self) -> None:
        proc.stop_process(self.popen)


def start_full_read(bins: PgBinaries, archive: Path, *, log_path: Path) -> FullRead:
    return FullRead(bins, archive, log_path)


@dataclass(frozen=True)
class RoleStandIn:
    name: str
    created: bool
    attributes: tuple[str, ...]  # e.g. ("NOLOGIN", "SUPERUSER")
    note: str


_ATTRS = (
    ("rolsuper", "SUPERUSER"),
    ("rolcreatedb", "CREATEDB"),
    ("rolcreaterole", "CREATEROLE"),
    ("rolbypassrls", "BYPASSRLS"),
)


def role_attributes(conn: psycopg.Connection[Any], names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Attributes of the named roles that exist on the connected server (read-only)."""
    with read_only(conn) as cur:
        cur.execute(shipped_sql.load("pgwarden.backup", "roles.sql"), {"names": sorted(names)})
        return {r["rolname"]: dict(r) for r in cur.fetchall()}


def create_roles(
    conn: psycopg.Connection[Any], names: Iterable[str], production: Mapping[str, Mapping[str, Any]] | None = None
) -> tuple[RoleStandIn, ...]:
    """Create each missing role as NOLOGIN (mirroring production's attributes when known)."""
    wanted = sorted(set(names))
    existing = role_attributes(conn, wanted)
    out = []
    for name in wanted:
        if name in existing:
            out.append(RoleStandIn(name, False, (), "already exists in the new instance"))
            continue
        prod = (production or {}).get(name)
        attrs = ["NOLOGIN"] + [kw for col, kw in _ATTRS if prod and prod.get(col)]
        if prod is not None and not prod.get("rolinherit", True):
            attrs.append("NOINHERIT")
        stmt = sql.SQL("CREATE ROLE {} " + " ".join(attrs)).format(sql.Identifier(name))
        try:
            conn.execute(stmt)
        except psycopg.Error as exc:
            msg = (getattr(exc.diag, "message_primary", None) or str(exc)).strip()
            out.append(RoleStandIn(name, False, tuple(attrs), f"could not create: {msg}"))
            continue
        src = (
            "attributes mirrored from production"
            if prod
            else "not found on production"
            if production is not None
            else "attributes unknown (no --dsn)"
        )
        out.append(RoleStandIn(name, True, tuple(attrs), src))
    return tuple(out)


def archive_roles(listing: TocListing, schema: ParsedSchema) -> set[str]:
    """Every role an archive needs: owners in its table of contents, and every role its schema SQL names."""
    return roles_in_schema(schema) | {e.owner for e in listing.entries if e.owner and e.owner != "-"}


@dataclass(frozen=True)
class RestoreRun:
    argv: tuple[str, ...]
    returncode: int
    seconds: float
    errors: tuple[ClassifiedError, ...]
    reported_errors: int | None  # pg_restore's own "errors ignored" count: recorded, not trusted


def run_restore(
    bins: PgBinaries,
    dsn: str,
    archive: Path,
    *,
    jobs: int,
    no_owner: bool,
    no_privileges: bool,
    log_path: Path | None = None,
) -> RestoreRun:
    """pg_restore into ``dsn``; every error is collected and classified (no --exit-on-error)."""
    argv: list[str | Path] = [bins.path("pg_restore"), "--no-tablespaces", "-d", dsn]
    if jobs > 1:
        argv += ["--jobs", str(jobs)]
    if no_owner:
        argv.append("--no-owner")
    if no_privileges:
        argv.append("--no-privileges")
    argv.append(archive)
    r = proc.run(argv, check=False, log_path=log_path, timeout=7 * 24 * 3600)
    return RestoreRun(
        r.argv,
        r.returncode,
        round(r.seconds, 3),
        classify_all(parse_messages(r.stderr)),
        reported_error_count(r.stderr),
    )
