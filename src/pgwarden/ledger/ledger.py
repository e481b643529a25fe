"""The ledger: schema ``pgwarden`` in the target database, what apply did there.

One row per bundle attempt that committed (``pgwarden.bundle_attempt``), one per run (``pgwarden.run``).
A transactional bundle writes its row inside its own transaction, so the bundle and its row are both
there or both absent. A ``transaction = false`` bundle commits its row as ``in_doubt`` first and sets it
``applied`` after; a crash between the two leaves ``in_doubt`` until ``pgwarden resolve`` records the truth.

The ledger's own DDL is versioned (``pgwarden.ledger_version``): a newer pgwarden upgrades it in one
transaction, an older one refuses a newer ledger. Every row carries a digest of its columns (the bundle's
sha256 among them), computed here, never by a function in the database: a row edited by hand is refused
(exit 2), never trusted. Nothing is read from the schema before :mod:`pgwarden.ledger.trust` has shown
that pgwarden's role or a superuser made everything in it.

One session advisory lock per database serializes apply, rehearse and resolve: a second one is refused
at once, naming the holder's pid, application_name and start time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg

from pgwarden import shipped_sql
from pgwarden.errors import BadInput, EnvironmentProblem, GateFailed
from pgwarden.ledger.trust import check_trusted
from pgwarden.pg.conn import read_only
from pgwarden.version import __version__

LEDGER_VERSION = 2
SCHEMA = "pgwarden"
LOCK_KEY = (0x70677764, 1)  # pg_try_advisory_lock(int4, int4): 'pgwd', 1 — per database
_MIGRATIONS = {1: "ledger_v1.sql", 2: "ledger_v2.sql"}


class BundleState(StrEnum):
    APPLIED = "applied"
    ROLLED_BACK = "rolled_back"
    IN_DOUBT = "in_doubt"
    ABSENT = "absent"  # an in_doubt bundle the operator found not applied (pgwarden resolve --absent)


@dataclass(frozen=True)
class LedgerRow:
    id: int
    package: str
    package_hash: str
    bundle: str
    bundle_order: int
    bundle_sha256: str
    state: BundleState
    started_at: str
    finished_at: str | None
    db_role: str
    os_user: str
    pgwarden_version: str
    run_id: str
    kit: str | None
    backup_sha256: str | None
    note: str | None
    resolved_by: str | None
    resolved_at: str | None
    adopted_from: str | None


@dataclass(frozen=True)
class RunRow:
    run_id: str
    command: str
    package: str
    package_hash: str
    started_at: str
    finished_at: str | None
    verdict: str
    kit: str | None
    db_role: str
    os_user: str
    backup_sha256: str | None


@dataclass(frozen=True)
class LockHolder:
    pid: int
    application_name: str
    backend_start: str
    user: str


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.geteuid()}"


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


# -- the advisory lock -----------------------------------------------------------------------------
def take_lock(conn: psycopg.Connection[Any], what: str) -> None:
    """The per-database pgwarden lock, held by this session until it ends; refused at once if taken."""
    row = conn.execute(
        "SELECT pg_catalog.pg_try_advisory_lock(%s::pg_catalog.int4, %s::pg_catalog.int4)", LOCK_KEY
    ).fetchone()
    if row and row[0]:
        return
    holder = lock_holder(conn)
    who = (
        (
            f"pid {holder.pid}, application_name {holder.application_name!r}, started {holder.backend_start}, "
            f"user {holder.user}"
        )
        if holder
        else "a session that has just ended"
    )
    raise GateFailed(
        f"another pgwarden run holds this database's lock ({who}); refusing to {what}",
        details=[
            "wait for it to finish, or look at it with: SELECT * FROM pg_stat_activity WHERE pid = "
            f"{holder.pid if holder else 'the pid above'}"
        ],
    )


def lock_holder(conn: psycopg.Connection[Any]) -> LockHolder | None:
    with read_only(conn) as cur:
        cur.execute(
            "SELECT a.pid, a.application_name, a.backend_start::text AS started, a.usename::text AS u "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.classid = %s::pg_catalog.oid AND l.objid = %s::pg_catalog.oid "
            "AND l.objsubid = 2 AND l.granted "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            LOCK_KEY,
        )
        r = cur.fetchone()
    return LockHolder(int(r["pid"]), str(r["application_name"]), str(r["started"]), str(r["u"])) if r else None


def release_lock(conn: psycopg.Connection[Any]) -> None:
    if not conn.closed and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
        conn.execute("SELECT pg_catalog.pg_advisory_unlock(%s::pg_catalog.int4, %s::pg_catalog.int4)", LOCK_KEY)


# -- the schema ------------------------------------------------------------------------------------
def installed_version(conn: psycopg.Connection[Any]) -> int | None:
    """The ledger's version on this database; None when there is no ledger. The schema is shown trusted
    first (:func:`pgwarden.ledger.trust.check_trusted`), else exit 3 before anything in it is read."""
    with _ledger_errors(conn):
        if not check_trusted(conn, SCHEMA):
            return None
        with read_only(conn) as cur:
            cur.execute("SELECT pg_catalog.to_regclass('pgwarden.ledger_version') IS NOT NULL AS present")
            r = cur.fetchone()
            if not r or not r["present"]:
                return 0
            cur.execute("SELECT pg_catalog.max(version) AS v FROM pgwarden.ledger_version")
            v = cur.fetchone()
    return int(v["v"]) if v and v["v"] is not None else 0


@contextlib.contextmanager
def _ledger_errors(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """A ledger pgwarden may not read or write, or one that changed under a running pgwarden, is an environment
    problem (exit 3) that says so, never a traceback."""
    try:
        yield
    except psycopg.errors.InsufficientPrivilege as exc:
        raise EnvironmentProblem(
            f"the role pgwarden connects as may not use the pgwarden ledger: {exc.diag.message_primary or exc}",
            details=[
                "connect as the role that made the ledger (see `pgwarden status` as that role), or as a superuser"
            ],
        ) from None
    except psycopg.errors.ReadOnlySqlTransaction as exc:
        raise EnvironmentProblem(
            f"the target refuses writes, so pgwarden cannot keep its ledger: {exc.diag.message_primary or exc}",
            details=[
                "a standby, or default_transaction_read_only = on for this database or "
                "role: apply a package on the primary, with writes allowed"
            ],
        ) from None
    except (
        psycopg.errors.UndefinedTable,
        psycopg.errors.InvalidSchemaName,
        psycopg.errors.UndefinedColumn,
        psycopg.errors.UndefinedFunction,
    ) as exc:
        raise EnvironmentProblem(
            f"the pgwarden ledger changed while pgwarden was using it: {exc.diag.message_primary or exc}",
            details=[
                "someone dropped or altered schema pgwarden during the run; `pgwarden "
                "status` shows what is recorded, and the next apply recreates what is "
                "missing"
            ],
        ) from None


def check_version(version: int | None) -> None:
    if version is not None and version > LEDGER_VERSION:
        raise EnvironmentProblem(
            f"this database's pgwarden ledger is version {version}, newer than this pgwarden "
            f"{__version__} understands ({LEDGER_VERSION}); upgrade pgwarden"
        )


def ensure(conn: psycopg.Connection[Any]) -> int:
    """Create or upgrade the ledger, in one transaction. Returns the version it is at now."""
    version = installed_version(conn)
    check_version(version)
    have = version or 0
    if have == LEDGER_VERSION:
        return have
    if version is not None:
        attempts(conn)  # every row's digest holds before the upgrade (version 1's were made by the server)
    with _ledger_errors(conn), conn.transaction():
        for v in range(have + 1, LEDGER_VERSION + 1):
            conn.execute(shipped_sql.load("pgwarden.ledger", _MIGRATIONS[v]))
            conn.execute(
                "INSERT INTO pgwarden.ledger_version (version, installed_by) VALUES (%s, %s)",
                (v, f"pgwarden {__version__} ({os_user()})"),
            )
    return LEDGER_VERSION


# -- rows ------------------------------------------------------------------------------------------
_COLUMNS = (
    "id, package, package_hash, bundle, bundle_order, bundle_sha256, state, started_at::text, "
    "finished_at::text, db_role, os_user, pgwarden_version, run_id, kit, backup_sha256, note, resolved_by, "
    "resolved_at::text, adopted_from, row_sha256, "
    # the digest's own form of the times: no session setting (DateStyle, TimeZone) changes it
    "extract(epoch FROM started_at)::text AS started_epoch, extract(epoch FROM finished_at)::text AS "
    "finished_epoch, extract(epoch FROM resolved_at)::text AS resolved_epoch"
)
_NULL = "\\N"


def digest(r: dict[str, Any]) -> str:
    """The sha256 of a row over every column but itself, the bundle's sha256 among them (the same form as
    version 1's ``pgwarden.attempt_digest``, so the rows it sealed still verify)."""

    def opt(v: Any) -> str:
        return _NULL if v is None else str(v)

    fields = [
        str(r["id"]),
        r["package"],
        r["package_hash"],
        r["bundle"],
        str(r["bundle_order"]),
        r["bundle_sha256"],
        r["state"],
        opt(r["started_epoch"]),
        opt(r["finished_epoch"]),
        r["db_role"],
        r["os_user"],
        r["pgwarden_version"],
        r["run_id"],
        opt(r["kit"]),
        opt(r["backup_sha256"]),
        opt(r["note"]),
        opt(r["resolved_by"]),
        opt(r["resolved_epoch"]),
        opt(r["adopted_from"]),
    ]
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


def attempts(conn: psycopg.Connection[Any], package: str | None = None) -> list[LedgerRow]:
    """Every attempt (of ``package``), oldest first. A row whose digest does not match is refused."""
    if installed_version(conn) is None:
        return []
    with _ledger_errors(conn), read_only(conn) as cur:
        cur.execute(
            f"SELECT {_COLUMNS} FROM pgwarden.bundle_attempt a "
            "WHERE %(p)s::text IS NULL OR package = %(p)s ORDER BY id",
            {"p": package},
        )
        rows = cur.fetchall()
    bad = [r for r in rows if r["row_sha256"] != digest(r)]
    if bad:
        raise BadInput(
            f"the pgwarden ledger was edited by hand: row {bad[0]['id']} (package {bad[0]['package']}, "
            f"bundle {bad[0]['bundle']}, state {bad[0]['state']}) does not match its digest",
            details=[f"also row {r['id']}" for r in bad[1:5]]
            + ["record an in_doubt bundle's truth with pgwarden resolve; never edit pgwarden.bundle_attempt"],
        )
    return [_row(r) for r in rows]


def _row(r: dict[str, Any]) -> LedgerRow:
    return LedgerRow(
        int(r["id"]),
        r["package"],
        r["package_hash"],
        r["bundle"],
        int(r["bundle_order"]),
        r["bundle_sha256"],
        BundleState(r["state"]),
        r["started_at"],
        r["finished_at"],
        r["db_role"],
        r["os_user"],
        r["pgwarden_version"],
        r["run_id"],
        r["kit"],
        r["backup_sha256"],
        r["note"],
        r["resolved_by"],
        r["resolved_at"],
        r["adopted_from"],
    )


def latest(rows: Iterable[LedgerRow]) -> dict[str, LedgerRow]:
    """The last attempt of each bundle: its current state."""
    out: dict[str, LedgerRow] = {}
    for r in rows:
        out[r.bundle] = r
    return out


def insert(
    cur: psycopg.Cursor[Any],
    *,
    package: str,
    package_hash: str,
    bundle: str,
    order: int,
    bundle_sha256: str,
    state: BundleState,
    started_at: str,
    run_id: str,
    kit: str | None,
    backup_sha256: str | None,
    db_role: str,
    finished: bool = True,
    adopted_from: str | None = None,
    note: str | None = None,
) -> int:
    """Write one attempt row with its digest (inside the caller's transaction)."""
    with _ledger_errors(cur.connection):
        cur.execute(
            "INSERT INTO pgwarden.bundle_attempt (package, package_hash, bundle, bundle_order, bundle_sha256, "
            "state, started_at, finished_at, db_role, os_user, pgwarden_version, run_id, kit, backup_sha256, "
            "adopted_from, note, row_sha256) VALUES (%s, %s, %s, %s, %s, %s, %s, "
            "CASE WHEN %s::boolean THEN clock_timestamp() END, %s, %s, %s, %s, %s, %s, %s, %s, '') "
            f"RETURNING {_COLUMNS}",
            (
                package,
                package_hash,
                bundle,
                order,
                bundle_sha256,
                state.value,
                started_at,
                finished,
                db_role,
                os_user(),
                __version__,
                run_id,
                kit,
                backup_sha256,
                adopted_from,
                note,
            ),
        )
        return _seal(cur)


def mark(
    cur: psycopg.Cursor[Any], rid: int, state: BundleState, note: str | None = None, resolved_by: str | None = None
) -> None:
    """Change one row's state (rollback, the end of an in_doubt bundle, resolve), keeping its digest true."""
    with _ledger_errors(cur.connection):
        cur.execute(
            "UPDATE pgwarden.bundle_attempt SET state = %s, "
            "finished_at = clock_timestamp(), note = coalesce(%s, note), "
            "resolved_by = coalesce(%s, resolved_by), "
            "resolved_at = CASE WHEN %s::text IS NULL THEN resolved_at ELSE clock_timestamp() END "
            f"WHERE id = %s RETURNING {_COLUMNS}",
            (state.value, note, resolved_by, resolved_by, rid),
        )
        _seal(cur)


def _seal(cur: psycopg.Cursor[Any]) -> int:
    """Set the digest of the row the statement before returned; its id."""
    names = [d.name for d in cur.description or ()]
    row = cur.fetchone()
    if row is None:
        raise EnvironmentProblem(
            "the pgwarden ledger changed while pgwarden was using it: a row it was writing is gone"
        )
    r = row if isinstance(row, dict) else dict(zip(names, row, strict=True))
    cur.execute("UPDATE pgwarden.bundle_attempt SET row_sha256 = %s WHERE id = %s", (digest(r), r["id"]))
    return int(r["id"])


# -- runs ------------------------------------------------------------------------------------------
def start_run(
    conn: psycopg.Connection[Any],
    *,
    run_id: str,
    command: str,
    package: str,
    package_hash: str,
    kit: str | None,
    db_role: str,
) -> None:
    with _ledger_errors(conn), conn.transaction():
        conn.execute(
            "INSERT INTO pgwarden.run (run_id, command, package, package_hash, started_at, verdict, kit, "
            "db_role, os_user) VALUES (%s, %s, %s, %s, clock_timestamp(), 'RUNNING', %s, %s, %s)",
            (run_id, command, package, package_hash, kit, db_role, os_user()),
        )


def finish_run(conn: psycopg.Connection[Any], run_id: str, verdict: str, backup_sha256: str | None) -> None:
    with _ledger_errors(conn), conn.transaction():
        conn.execute(
            "UPDATE pgwarden.run SET finished_at = clock_timestamp(), verdict = %s, "
            "backup_sha256 = coalesce(%s, backup_sha256) WHERE run_id = %s",
            (verdict, backup_sha256, run_id),
        )


def runs(conn: psycopg.Connection[Any]) -> list[RunRow]:
    if installed_version(conn) is None:
        return []
    with _ledger_errors(conn), read_only(conn) as cur:
        cur.execute(
            "SELECT run_id, command, package, package_hash, started_at::text, finished_at::text, verdict, "
            "kit, db_role, os_user, backup_sha256 FROM pgwarden.run ORDER BY started_at, run_id"
        )
        return [RunRow(**{k: r[k] for k in RunRow.__dataclass_fields__}) for r in cur.fetchall()]
