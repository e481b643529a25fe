"""``pgwarden backup``: a fresh, SHA-256-pinned dump with its TOC header and a schema-only dump.

The dump is hashed while it is written (see :mod:`pgwarden.dumpstream`). pg_dump is the server's major
or newer, preferring the exact major. pg_dump runs in a snapshot that pgwarden exports and holds, and in
that same snapshot, concurrently, pgwarden records the database's fingerprint, row counts and
database-level facts (:mod:`pgwarden.backup.source_record`), which ``verify-backup`` compares the restore
with. The kit records the dump's path, size, sha256, format, compression, every ``pg_restore -l`` header
field, the TOC entry count, the binaries used, that source record, and a schema-only dump taken from the
archive itself (same snapshot; production is read once).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

from pgwarden import proc
from pgwarden.backup.dumpstream import HashedFile, manifest_digest, run_directory_dump, stream_dump
from pgwarden.backup.schema_text import extract_schema
from pgwarden.backup.source_record import (
    FACTS_REL,
    FINGERPRINT_REL,
    SnapshotRecorder,
    SourceRecord,
    choose_rows,
    exported_snapshot,
)
from pgwarden.backup.toc import compression_meaning, format_line, list_archive, read_header
from pgwarden.errors import BadInput
from pgwarden.evidence.blocks import Block, Facts, Report, Section, Table, Text
from pgwarden.evidence.gates import GateRunner, Verdict, gate_list
from pgwarden.evidence.kit import EvidenceKit, check_out_dir, utcnow
from pgwarden.evidence.sums import sha256_file
from pgwarden.pg import binaries as pgbin
from pgwarden.pg.conn import client_conninfo, connection, session_limits
from pgwarden.pg.guard import ServerIdentity
from pgwarden.pg.identity import identity_of
from pgwarden.progress import SILENT, Reporter
from pgwarden.redact import redact_dsn

FORMATS = ("custom", "directory")


@dataclass(frozen=True)
class BackupResult:
    kit: str
    status: Verdict
    dump_path: str  # absolute
    dump_rel: str  # relative to the kit
    format: str  # custom | directory
    sha256: str  # the file's, or for a directory dump the digest of its file listing
    bytes: int
    files: tuple[HashedFile, ...]
    compression: str  # as pg_restore -l prints it
    toc_entries: int
    header: dict[str, str]  # every pg_restore -l header field
    schema_path: str
    schema_sha256: str
    schema_bytes: int
    restrict_lines_stripped: int
    server: dict[str, Any]
    binaries: str
    seconds: float
    format_line: str = ""  # "PostgreSQL custom (pg_dump -Fc, Compression: gzip)", as seed 001 writes Format
    taken_at: str = ""  # UTC, when the snapshot was exported: the instant the dump describes
    snapshot: str = ""  # the exported snapshot pg_dump and the source record both used
    source_record: str = ""  # kit-relative path of the fingerprint taken in that snapshot
    rows_mode: str = ""  # exact | estimate | none, and why
    rows_why: str = ""
    rows_total: int | None = None
    tables_counted: int = 0
    record_seconds: float = 0.0


MAX_JOBS = 256


def check_jobs(jobs: int | None) -> None:
    """``--jobs``: each job is a server connection, so a huge number is a mistake, not a request."""
    if jobs is not None and not 1 <= jobs <= MAX_JOBS:
        raise BadInput(f"--jobs {jobs}: expected 1 to {MAX_JOBS} (each job opens its own connection)")


def _check_compress(bins: pgbin.PgBinaries, fmt: str, compress: str) -> None:
    """Let pg_dump judge ``--compress`` before anything is written: it parses its options before it
    connects, so it is given a socket directory that cannot exist and must fail only at connecting."""
    r = proc.run(
        [
            bins.path("pg_dump"),
            "--no-password",
            "-F",
            "c" if fmt == "custom" else "d",
            "-Z",
            compress,
            "-f",
            os.devnull,
            "-d",
            "host=/nonexistent/pgwarden-option-check dbname=x",
        ],
        check=False,
        timeout=60,
    )
    errors = [line.split("error:", 1)[1].strip() for line in r.stderr.splitlines() if "error:" in line]
    if errors and "compress" in errors[0].lower():  # else it failed to connect, as it should
        raise BadInput(f"--compress {compress!r}: pg_dump {bins.version} refuses it: {errors[0]}")


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "db"


@dataclass(frozen=True)
class DumpGate:
    path: str
    format: str
    binaries: str
    sha256: str
    bytes: int
    files: int


@dataclass(frozen=True)
class SourceRecordGate:
    snapshot: str
    fingerprint: str
    facts: str
    entries: int
    rows_mode: str
    rows_why: str
    tables_counted: int
    seconds: float


@dataclass(frozen=True)
class TocGate:
    toc_entries: int
    header: dict[str, str]


@dataclass(frozen=True)
class SchemaDumpGate:
    path: str
    sha256: str
    bytes: int
    restrict_lines_stripped: int
    source: str


GATES = ("dump", "source-record", "toc", "schema-dump")


def backup(
    dsn: str | None,
    *,
    out: Path | None = None,
    fmt: str = "custom",
    jobs: int | None = None,
    compress: str | None = None,
    rows: str | None = None,
    reporter: Reporter = SILENT,
) -> BackupResult:
    """Take the backup; raise (and remove partial files) on any failure. ``rows`` is exact, estimate or
    none; by default exact up to :data:`~pgwarden.backup.source_record.EXACT_ROWS_UP_TO`."""
    if fmt not in FORMATS:
        raise BadInput(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    check_jobs(jobs)
    check_out_dir(out)
    choose_rows(rows, 0)  # an unknown --rows is bad input before anything runs
    if jobs is not None and jobs > 1 and fmt != "directory":
        raise BadInput("--jobs N needs --format directory (pg_dump writes a custom archive with one process)")
    ident = identity_of(dsn)
    bins = pgbin.find(("pg_dump", "pg_restore"), major=ident.server_major, at_least=ident.server_major)
    if compress is not None:
        _check_compress(bins, fmt, compress)
    kit = EvidenceKit.create(
        out,
        "backup",
        {
            "dsn": redact_dsn(dsn),
            "out": str(out) if out else None,
            "format": fmt,
            "jobs": jobs,
            "compress": compress,
            "rows": rows,
        },
    )
    kit.environment.update(
        {
            "server": ident.as_dict(),
            "binaries": bins.describe(),
            "session_limits": asdict(session_limits()),
            "pg_dump": str(bins.path("pg_dump")),
            "pg_restore": str(bins.path("pg_restore")),
        }
    )
    runner = GateRunner(kit, GATES, reporter)
    done: list[BackupResult] = []
    t0 = time.monotonic()

    def finish(verdict: Verdict, error: BaseException | None) -> tuple[Report, object]:
        if error is not None or not done:
            msg = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
            return (
                Report(
                    f"pgwarden backup: {verdict}",
                    f"database {ident.database}",
                    verdict.value,
                    (Text(msg), Text("No dump was kept; partial files were removed."), gate_list(runner.records)),
                    msg,
                    (msg,),
                ),
                {"error": msg},
            )
        return backup_report(done[0]), done[0]

    job = _Job(dsn, ident, bins, fmt, jobs, compress)
    runner.run(lambda: done.append(_run(runner, job, rows, t0)), finish)
    return done[0]


@dataclass(frozen=True)
class _Job:
    """The dump asked for, with the server and the binaries found for it."""

    dsn: str | None
    ident: ServerIdentity
    bins: pgbin.PgBinaries
    fmt: str
    jobs: int | None
    compress: str | None


class _Dumped(NamedTuple):
    rel: str  # in the kit
    dest: Path
    files: tuple[HashedFile, ...]
    sha256: str
    bytes: int


def _run(runner: GateRunner, job: _Job, rows: str | None, t0: float) -> BackupResult:
    with (
        connection(job.dsn, application_name="pgwarden backup") as sconn,
        connection(job.dsn, application_name="pgwarden backup (source record)") as rconn,
        exported_snapshot(sconn) as snapshot,
    ):
        taken_at = utcnow()
        recorder = SnapshotRecorder(rconn, snapshot, rows).start()
        try:
            dumped = _dump(runner, job, snapshot)
        except BaseException:
            recorder.cancel()
            raise
        with runner.gate("source-record") as g:
            runner.reporter.step("source record: fingerprint and row counts in the dump's snapshot")
            record = recorder.result()
            record.save(runner.kit)
            g.record(
                SourceRecordGate(
                    snapshot,
                    FINGERPRINT_REL,
                    FACTS_REL,
                    len(record.fingerprint.entries),
                    record.rows.mode,
                    record.rows.why,
                    len(record.fingerprint.rows),
                    record.seconds,
                )
            )
    return _finish(runner, job, dumped, record, taken_at, t0)


def _dump(runner: GateRunner, job: _Job, snapshot: str) -> _Dumped:
    kit, reporter = runner.kit, runner.reporter
    conninfo, env, secrets = client_conninfo(job.dsn, "pgwarden backup")
    if job.ident.server_major >= 14:  # a pg_dump killed while it waits on a lock must not leave its backend waiting
        env["PGOPTIONS"] = " ".join(
            x for x in (os.environ.get("PGOPTIONS", ""), "-c client_connection_check_interval=2s") if x
        )
    stem = f"{_safe(job.ident.database)}_{_stamp()}"
    rel = f"dump/{stem}.dump" if job.fmt == "custom" else f"dump/{stem}"
    dest = kit.path(rel)
    argv: list[str | Path] = [
        job.bins.path("pg_dump"),
        "--no-password",
        "--no-sync",
        f"--snapshot={snapshot}",
        f"--lock-wait-timeout={session_limits().lock_timeout}",
        "-F",
        "c" if job.fmt == "custom" else "d",
        "-d",
        conninfo,
    ]
    if job.compress is not None:
        argv += ["-Z", job.compress]
    if job.fmt == "directory" and job.jobs and job.jobs > 1:
        argv += ["-j", str(job.jobs)]
    with runner.gate("dump") as g:
        reporter.step(
            f"pg_dump {job.ident.database} on PostgreSQL {job.ident.server_version} with {job.bins.describe()}"
        )
        with reporter.transfer("pg_dump", None) as progress:
            if job.fmt == "custom":
                one = stream_dump(
                    argv, dest, env=env, log_path=kit.path("logs/pg_dump.log"), on_bytes=progress, secrets=secrets
                )
                files: tuple[HashedFile, ...] = (one,)
                sha, size = one.sha256, one.bytes
            else:
                files = run_directory_dump(
                    argv, dest, env=env, log_path=kit.path("logs/pg_dump.log"), on_bytes=progress, secrets=secrets
                )
                sha, size = manifest_digest(files), sum(f.bytes for f in files)
        for f in files:
            frel = rel if job.fmt == "custom" else f"{rel}/{f.rel}"
            kit.event(
                "file",
                path=frel,
                sha256=f.sha256,
                bytes=f.bytes,
                hashed="while written"
                if job.fmt == "custom"
                else "after pg_dump exited (directory format has no single stream)",
            )
            kit.known_hashes[frel] = f.sha256  # sealing the kit will not read the dump again
        g.record(DumpGate(rel, job.fmt, job.bins.describe(), sha, size, len(files)))
    return _Dumped(rel, dest, files, sha, size)


def _finish(
    runner: GateRunner, job: _Job, dumped: _Dumped, record: SourceRecord, taken_at: str, t0: float
) -> BackupResult:
    kit = runner.kit
    rel, dest, files, sha, size = dumped
    stem = Path(rel).name.removesuffix(".dump")
    with runner.gate("toc") as g:
        header = read_header(dest)
        listing, raw = list_archive(job.bins, dest, log_path=kit.path("logs/pg_restore.log"))
        kit.write_text(f"dump/{stem}.toc.txt", raw)
        g.record(TocGate(listing.toc_entries, listing.header))
    with runner.gate("schema-dump") as g:
        text, stripped = extract_schema(job.bins, dest, log_path=kit.path("logs/pg_restore.log"))
        srel = f"schema/{stem}_schema.sql"
        spath = kit.write_text(srel, text)
        schema_sha = sha256_file(spath)
        g.record(
            SchemaDumpGate(srel, schema_sha, spath.stat().st_size, stripped, "pg_restore --schema-only of the archive")
        )
    return BackupResult(
        kit=str(kit.root),
        status=Verdict.PASS,
        dump_path=str(dest.resolve()),
        dump_rel=rel,
        format=job.fmt,
        sha256=sha,
        bytes=size,
        files=files,
        compression=listing.header.get("Compression", header.compression),
        toc_entries=listing.toc_entries,
        header=listing.header,
        schema_path=str(spath.resolve()),
        schema_sha256=schema_sha,
        schema_bytes=spath.stat().st_size,
        restrict_lines_stripped=stripped,
        server=job.ident.as_dict(),
        binaries=job.bins.describe(),
        seconds=round(time.monotonic() - t0, 3),
        format_line=format_line(header, listing),
        taken_at=taken_at,
        snapshot=record.snapshot,
        source_record=FINGERPRINT_REL,
        rows_mode=record.rows.mode,
        rows_why=record.rows.why,
        rows_total=sum(record.fingerprint.rows.values()) if record.rows.mode != "none" else None,
        tables_counted=len(record.fingerprint.rows),
        record_seconds=record.seconds,
    )


def backup_report(r: BackupResult) -> Report:
    role = f"{r.server['role']}" + (" (superuser)" if r.server.get("superuser") else "")
    kit = Path(r.kit).resolve()
    rows_text = {
        "exact": f"exact: {r.tables_counted} tables, {r.rows_total:,} rows" if r.rows_total is not None else "exact",
        "estimate": f"estimated for {r.tables_counted} tables (recorded, not compared)",
        "none": "not recorded",
    }.get(r.rows_mode, r.rows_mode)
    rows = [
        ("Backup path", r.dump_path),
        ("SHA256", r.sha256 + (" (digest of the per-file listing)" if r.format == "directory" else "")),
        ("Size", f"{r.bytes:,} bytes"),
        ("Format", r.format_line),
        ("Compression", compression_meaning(r.compression)),
        ("Backup role", role),
        (
            "Taken at",
            f"{r.taken_at} (UTC): the instant of the exported snapshot {r.snapshot}, which pg_dump "
            "and the source record both read",
        ),
        ("TOC entries", r.toc_entries),
        (
            "Source record",
            f"{kit / r.source_record}: fingerprint of every object, owner, grant, policy and "
            f"constraint in the same snapshot; rows {rows_text} ({r.rows_why})",
        ),
        (
            "Schema-only dump",
            f"{r.schema_path} sha256 {r.schema_sha256} ({r.restrict_lines_stripped} \\restrict lines stripped)",
        ),
        (
            "Source",
            f"database {r.server['database']} on PostgreSQL {r.server['server_version']}, "
            f"system_identifier {r.server['system_identifier']}",
        ),
        ("Binaries", r.binaries),
        ("Duration", f"{r.seconds:.1f} s"),
        ("Kit", str(kit)),
    ]
    blocks: list[Block] = [
        Section("Fresh backup", (Facts.of("", rows),), "backup"),
        Facts.of("pg_restore -l header", r.header.items()),
    ]
    if r.format == "directory":
        shown = r.files[:50]
        blocks.append(
            Table.of(
                "Files of the directory dump",
                ("File", "Bytes", "SHA256"),
                [(f.rel, f"{f.bytes:,}", f.sha256) for f in shown],
            )
        )
        if len(r.files) > len(shown):
            blocks.append(Text(f"… and {len(r.files) - len(shown)} more; every file is in SHA256SUMS."))
    blocks.append(
        Section(
            "Next",
            (
                Text(
                    f"`pgwarden verify-backup {r.dump_path} --dsn PROD` restores it into a throwaway instance "
                    "and compares the "
                    "restore with the source record; `--expect FILE` adds named checks."
                ),
            ),
            "next",
        )
    )
    return Report(
        f"pgwarden backup: {r.status}",
        f"database {r.server['database']}",
        r.status.value,
        tuple(blocks),
        f"Backup of database {r.server['database']}: sha256 `{r.sha256}`, {r.bytes:,} bytes.",
    )
