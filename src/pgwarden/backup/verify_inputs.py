"""The inputs of ``verify-backup``, checked before anything runs: bad input is exit 2 and leaves no kit.

The dump must exist and be a pg_dump archive (its header is decoded here, without pg_restore), the
expectations file must parse, ``--jobs`` and ``--sha256`` must make sense, and production (``--dsn``)
and every ``--protect`` server are identified once, so that one given twice is refused up front.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pgwarden import shipped_sql, userfiles
from pgwarden.backup.backup import check_jobs
from pgwarden.backup.source_record import SourceRecord, load_record
from pgwarden.backup.toc import read_header
from pgwarden.errors import BadInput, GateFailed
from pgwarden.expect.model import Expectations, load_expectations
from pgwarden.pg.conn import connection, read_only
from pgwarden.redact import redact_dsn

ROWS_MODES = ("exact", "estimate", "none")


@dataclass(frozen=True)
class ServerCheck:
    label: str
    dsn: str  # redacted
    system_identifier: str
    server_version: str
    distinct_from_instance: bool | None = None
    up_at_end: bool | None = None


@dataclass(frozen=True)
class Inputs:
    dump: Path
    exp: Expectations | None
    exp_text: str | None
    dsn: str | None
    prod: ServerCheck | None
    protected: tuple[ServerCheck, ...]
    protect_dsns: tuple[str, ...]
    sha256: str | None
    jobs: int
    no_owner: bool
    no_privileges: bool
    rows: str
    source: SourceRecord | None = None  # --source: a source record given explicitly
    source_path: Path | None = None


def server_key(dsn: str, label: str) -> tuple[ServerCheck, tuple[str, str]]:
    """Identify a server: (its check record, (system_identifier, postmaster start time))."""
    with connection(dsn, application_name="pgwarden verify-backup") as conn, read_only(conn) as cur:
        cur.execute(shipped_sql.load("pgwarden.backup", "server_key.sql"))
        row = cur.fetchone()
    assert row is not None
    return (
        ServerCheck(label, redact_dsn(dsn), row["system_identifier"], row["server_version"]),
        (row["system_identifier"], row["started"]),
    )


def validate(
    dump: Path,
    expect: Path | None,
    dsn: str | None,
    protect: Sequence[str],
    sha256: str | None,
    jobs: int | None,
    no_owner: bool,
    no_privileges: bool,
    rows: str,
    source: Path | None = None,
) -> Inputs:
    """Every input, checked in the order a user would fix them; raises :class:`BadInput`."""
    if not userfiles.exists(dump):
        raise BadInput(f"{dump}: no such file or directory")
    if not (dump.is_file() or dump.is_dir()):
        raise BadInput(f"{dump}: not a regular file (nor a directory dump); expected a pg_dump archive")
    # Not an archive at all: bad input, before a kit exists. A damaged header is evidence instead: the
    # archive gate records it as a FAIL.
    with contextlib.suppress(GateFailed):
        read_header(dump)
    if sha256 is not None and (len(sha256) != 64 or any(c not in "0123456789abcdefABCDEF" for c in sha256)):
        raise BadInput(f"--sha256 {sha256!r}: expected 64 hexadecimal digits")
    check_jobs(jobs)
    if rows not in ROWS_MODES:
        raise BadInput(f"--probe-rows {rows!r}: expected exact, estimate or none")
    record = None
    if source is not None:
        try:
            record = load_record(Path(source))
        except BadInput as exc:
            raise BadInput(f"--source {exc.message}", details=exc.details) from None
    exp = load_expectations(expect) if expect else None
    exp_text = expect.read_text(encoding="utf-8") if expect else None
    prod = prod_key = None
    if dsn is not None:
        prod, prod_key = server_key(dsn, "production (--dsn)")
    checks: list[ServerCheck] = []
    for i, p in enumerate(protect, 1):
        if dsn is not None and p == dsn:
            raise BadInput(
                f"--protect #{i} is the same DSN as --dsn ({redact_dsn(p)}); production cannot also "
                "be a protected server"
            )
        sc, key = server_key(p, f"protected #{i}")
        if prod_key is not None and key == prod_key:
            raise BadInput(
                f"--protect #{i} ({redact_dsn(p)}) is the same server as --dsn "
                f"(system_identifier {key[0]}, started {key[1]}); refusing"
            )
        checks.append(sc)
    auto_jobs = max(1, min(8, os.cpu_count() or 1))
    return Inputs(
        dump,
        exp,
        exp_text,
        dsn,
        prod,
        tuple(checks),
        tuple(protect),
        sha256,
        jobs or auto_jobs,
        no_owner,
        no_privileges,
        rows,
        record,
        Path(source).resolve() if source else None,
    )
