"""The source record: what the database was in the dump's own snapshot.

``backup`` exports a snapshot (``pg_export_snapshot()``) on a connection it holds open, runs ``pg_dump
--snapshot`` with it and, on a second connection that imports the same snapshot while pg_dump runs, takes
the database's fingerprint and row counts and the database-level facts that a single-database dump
leaves out. The dump and the record therefore describe the same instant: ``verify-backup`` can demand
that the restore equals the record, object by object and row count by row count.

Row counts: ``exact`` (``count(*)`` of every table), ``estimate`` (the planner's ``reltuples``: recorded,
never compared) or ``none``. By default they are exact up to :data:`EXACT_ROWS_UP_TO` bytes of database
and estimated above, because an exact count reads every table once more.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from pgwarden import shipped_sql
from pgwarden.backup.pin import kit_sums
from pgwarden.errors import BadInput, EnvironmentProblem, GateFailed
from pgwarden.evidence.kit import EvidenceKit
from pgwarden.evidence.sums import sha256_file
from pgwarden.probe.fingerprint import ROWS_MODES, Fingerprint, dumps, load
from pgwarden.probe.probe import take_fingerprint

EXACT_ROWS_UP_TO = 10 * 1024**3  # 10 GiB: exact counts by default up to this database size
FINGERPRINT_REL = "probes/source.json"
FACTS_REL = "probes/source-database.json"


@dataclass(frozen=True)
class DatabaseFacts:
    """The database-level facts of the source, which a dump without ``--create`` does not carry."""

    database: str
    owner: str
    encoding: str
    collate: str
    ctype: str
    acl: tuple[str, ...]
    settings: tuple[str, ...]  # "role<TAB>name=value"; an empty role means every role
    tablespaces: tuple[str, ...]  # non-default tablespaces that hold relations of this database
    default_tablespace: str | None
    large_objects: int
    comment: str | None
    size_bytes: int
    extension_tables: tuple[str, ...] = ()  # "schema.table<TAB>extension": members with data pg_dump leaves out

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DatabaseFacts:
        return cls(
            str(row["database"]),
            str(row["owner"]),
            str(row["encoding"]),
            str(row["collate"]),
            str(row["ctype"]),
            tuple(row["acl"] or ()),
            tuple(row["settings"] or ()),
            tuple(row["tablespaces"] or ()),
            row["default_tablespace"],
            int(row["large_objects"]),
            row["comment"],
            int(row["size_bytes"]),
            tuple(row.get("extension_tables") or ()),
        )

    @classmethod
    def from_json(cls, data: Any, where: str) -> DatabaseFacts:
        try:
            return cls.from_row(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise BadInput(f"{where}: not a pgwarden database-facts record ({exc})") from None


def read_facts(conn: psycopg.Connection[Any], snapshot: str | None = None) -> DatabaseFacts:
    """The database facts, read-only, in ``snapshot`` when one is given."""
    with conn.transaction(force_rollback=True), conn.cursor(row_factory=dict_row) as cur:
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        if snapshot is not None:
            cur.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
        cur.execute(shipped_sql.load("pgwarden.backup", "database_facts.sql"))
        row = cur.fetchone()
    assert row is not None
    return DatabaseFacts.from_row(row)


@dataclass(frozen=True)
class RowsChoice:
    mode: str  # exact | estimate | none
    why: str


def choose_rows(requested: str | None, size_bytes: int) -> RowsChoice:
    """``--rows``, or the default: exact up to :data:`EXACT_ROWS_UP_TO`, estimated above."""
    if requested is not None:
        if requested not in ROWS_MODES:
            raise BadInput(f"--rows {requested!r}: expected one of {', '.join(ROWS_MODES)}")
        return RowsChoice(requested, f"--rows {requested}")
    limit = EXACT_ROWS_UP_TO // 1024**3
    if size_bytes <= EXACT_ROWS_UP_TO:
        return RowsChoice(
            "exact", f"default: exact, as the database ({size_bytes / 1024**3:.2f} GiB) is at most {limit} GiB"
        )
    return RowsChoice(
        "estimate",
        f"default: estimate, as the database ({size_bytes / 1024**3:.1f} GiB) is over "
        f"{limit} GiB (give --rows exact to count every row)",
    )


@dataclass(frozen=True)
class SourceRecord:
    fingerprint: Fingerprint
    facts: DatabaseFacts
    snapshot: str
    rows: RowsChoice
    seconds: float = 0.0

    def save(self, kit: EvidenceKit) -> None:
        """Write both files into the kit (sealing pins them in its SHA256SUMS)."""
        kit.write_text(FINGERPRINT_REL, dumps(self.fingerprint))
        facts = {
            **asdict(self.facts),
            "snapshot": self.snapshot,
            "rows_mode": self.rows.mode,
            "rows_why": self.rows.why,
        }
        kit.write_text(FACTS_REL, json.dumps(facts, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def load_record(fingerprint_path: Path) -> SourceRecord:
    """A source record: the fingerprint file, and beside it the database facts (bad input if malformed)."""
    fp = load(fingerprint_path)
    facts_path = Path(fingerprint_path).with_name(Path(FACTS_REL).name)
    try:
        data = json.loads(facts_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(
            f"{facts_path}: missing; a source record is {FINGERPRINT_REL} with {FACTS_REL} "
            "beside it, as a pgwarden backup kit has them"
        ) from None
    except (OSError, ValueError) as exc:
        raise BadInput(f"{facts_path}: not a database-facts record: {exc}") from None
    facts = DatabaseFacts.from_json(data, str(facts_path))
    rows = RowsChoice(str(data.get("rows_mode", fp.rows_mode)), str(data.get("rows_why", "")))
    return SourceRecord(fp, facts, str(data.get("snapshot", "")), rows)


@contextmanager
def exported_snapshot(conn: psycopg.Connection[Any]) -> Iterator[str]:
    """Export a snapshot from a read-only REPEATABLE READ transaction on ``conn`` and keep it open (an
    exported snapshot can be imported only while its transaction lasts). That transaction stays idle while
    pg_dump runs, so the idle-in-transaction limit is lifted for it alone; it ends when the block ends."""
    with conn.transaction(force_rollback=True), conn.cursor() as cur:
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cur.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        cur.execute("SELECT pg_catalog.pg_export_snapshot()")
        row = cur.fetchone()
        assert row is not None
        yield str(row[0])


class SnapshotRecorder:
    """Takes the source record on its own connection, in a thread, while pg_dump runs in the same snapshot."""

    def __init__(self, conn: psycopg.Connection[Any], snapshot: str, rows: str | None) -> None:
        self.conn, self.snapshot, self.requested = conn, snapshot, rows
        self.record: SourceRecord | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="pgwarden-source-record", daemon=True)

    def start(self) -> SnapshotRecorder:
        self._thread.start()
        return self

    def _run(self) -> None:
        t0 = time.monotonic()
        try:
            facts = read_facts(self.conn, self.snapshot)
            rows = choose_rows(self.requested, facts.size_bytes)
            fp = take_fingerprint(self.conn, rows=rows.mode, snapshot=self.snapshot)
            self.record = SourceRecord(fp, facts, self.snapshot, rows, round(time.monotonic() - t0, 3))
        except BaseException as exc:  # handed to the main thread by result()
            self.error = exc

    def cancel(self) -> None:
        """Cancel the record's query on the server (on an interrupt or a failed dump)."""
        if self._thread.is_alive() and not self.conn.closed:
            with suppress(psycopg.Error):
                self.conn.cancel_safe(timeout=3.0)
        self._thread.join(timeout=10)

    def result(self) -> SourceRecord:
        self._thread.join()
        if self.error is not None:
            exc = self.error
            if isinstance(exc, (EnvironmentProblem, BadInput, GateFailed)):
                raise exc
            if isinstance(exc, psycopg.Error):
                msg = " ".join(str(exc).split()) or type(exc).__name__
                raise GateFailed(
                    f"the source record (fingerprint and row counts in the dump's snapshot) failed: {msg}"
                ) from None
            raise exc
        assert self.record is not None
        return self.record


def record_in_kit(root: Path) -> tuple[SourceRecord | None, Path | None, str | None]:
    """(record, its path, why it cannot be trusted) for the backup kit at ``root``: its ``probes/source.json``
    and ``probes/source-database.json``, which the kit's SHA256SUMS must still pin. A kit without them
    (taken by an older pgwarden) has no record."""
    path = root / FINGERPRINT_REL
    if not path.is_file():
        return None, None, None
    pinned = kit_sums(root)
    for rel in (FINGERPRINT_REL, FACTS_REL):
        if not (root / rel).is_file() or pinned.get(rel) != sha256_file(root / rel):
            return (
                None,
                path,
                f"{root / rel}: not as its backup kit's SHA256SUMS pins it; the source record cannot be trusted",
            )
    try:
        return load_record(path), path, None
    except BadInput as exc:
        return None, path, exc.message


def backup_time(record: SourceRecord | None, header: dict[str, str]) -> dict[str, Any]:
    """When the backup was taken (the snapshot's instant, else the archive's creation time) and its age now."""
    when: dt.datetime | None = None
    if record is not None and record.fingerprint.taken_at:
        with contextlib.suppress(ValueError):
            when = dt.datetime.fromisoformat(record.fingerprint.taken_at.replace("Z", "+00:00"))
    created = header.get("Archive created at", "")
    if when is None and created:
        with contextlib.suppress(ValueError):
            when = (
                dt.datetime.strptime(created.removesuffix(" UTC"), "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
                if created.endswith(" UTC")
                else None
            )
    if when is None:
        return {"backup_taken_at": created or None, "backup_age_seconds": None}
    age = (dt.datetime.now(dt.UTC) - when).total_seconds()
    return {"backup_taken_at": when.strftime("%Y-%m-%d %H:%M:%S UTC"), "backup_age_seconds": round(age, 1)}
