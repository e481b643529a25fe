"""``pgwarden probe`` and ``pgwarden diff``: a read-only fingerprint of a database, and comparing two.

A probe runs a handful of set-based catalog queries (one per object kind, ``sql/probe/*.sql``) in
ONE read-only REPEATABLE READ transaction that is always rolled back, with fixed session settings so
that every deparsed definition prints the same way every time. Each row is (kind, name, canonical
definition). A definition is ``jsonb_strip_nulls(jsonb_build_object(...))::text``: jsonb prints its
keys in a fixed order, so the text is canonical, and the diff can name the fields that changed. It is
hashed here with hashlib (measured faster than ``sha256()`` in SQL, see ``bench/probe.py``). The
data model and the diff live in :mod:`pgwarden.fingerprint`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from pgwarden import shipped_sql
from pgwarden.errors import BadInput, EnvironmentProblem
from pgwarden.evidence.blocks import Block, Facts, Report, Section, Table, Text
from pgwarden.evidence.gates import GateRunner
from pgwarden.evidence.kit import EvidenceKit, check_out_dir, utcnow
from pgwarden.pg.conn import connection, session_limits
from pgwarden.pg.identity import read_identity
from pgwarden.pg.planned_code import tables_only
from pgwarden.probe.fingerprint import (
    ROWS_MODES,
    Fingerprint,
    ProbeEntry,
    check_writable,
    dumps,
    sha256_text,
    write_text,
)
from pgwarden.probe.gate import probe_gate
from pgwarden.progress import SILENT, Reporter
from pgwarden.redact import redact_dsn

# One catalog query per object kind (views.sql also yields matview; foreign.sql foreign_data_wrapper and
# foreign_server; grants.sql the ACL of each object, column_grants.sql each column privilege on its own).
KIND_QUERIES = (
    "schemas",
    "extensions",
    "types",
    "tables",
    "columns",
    "constraints",
    "indexes",
    "views",
    "sequences",
    "functions",
    "triggers",
    "event_triggers",
    "policies",
    "rules",
    "statistics",
    "collations",
    "publications",
    "foreign",
    "grants",
    "column_grants",
)
COUNT_BATCH = 500  # tables per UNION ALL query for --rows exact


# -- named queries ------------------------------------------------------------------------------------
def check_query(name: str, text: str) -> str:
    """A named query must be exactly one SELECT that only reads (see :mod:`pgwarden.selectsql`); it
    runs in the probe's read-only transaction, which one statement cannot end."""
    from pgwarden.parsing.readonly import check_select  # pglast loads slowly; only named queries need it

    check_select(text, f"named query {name!r}")
    return text


def parse_query_options(options: Sequence[str]) -> dict[str, str]:
    """``--query NAME=SQL`` options as a mapping; a malformed or repeated name is bad input."""
    out: dict[str, str] = {}
    for opt in options:
        name, sep, text = opt.partition("=")
        name = name.strip()
        if not sep or not name:
            raise BadInput(f"--query {opt!r}: expected NAME=SQL")
        if name in out:
            raise BadInput(f"--query {name}: given twice")
        out[name] = check_query(name, text)
    return out


def _run_query(cur: psycopg.Cursor[Any], name: str, text: str) -> str | None:
    try:
        cur.execute(text)
    except psycopg.OperationalError:
        raise  # connection lost, timeout, cancel: not the query's fault (see take_fingerprint)
    except psycopg.Error as exc:
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise BadInput(f"named query {name!r} failed: {msg}") from None
    res = cur.pgresult
    if res is None or cur.description is None:
        raise BadInput(f"named query {name!r}: returned no result set")
    if res.nfields != 1:
        raise BadInput(f"named query {name!r}: returned {res.nfields} columns; it must return one value")
    if res.ntuples > 1:
        raise BadInput(f"named query {name!r}: returned {res.ntuples} rows; it must return one value")
    if res.ntuples == 0:
        return None
    raw = res.get_value(0, 0)  # PostgreSQL's own text output of the value
    return None if raw is None else bytes(raw).decode(cur.connection.info.encoding, "replace")


# -- rows -----------------------------------------------------------------------------------------------
def _rows(cur: psycopg.Cursor[Any], mode: str) -> dict[str, int]:
    if mode == "none":
        return {}
    if mode == "estimate":
        cur.execute(shipped_sql.load("pgwarden.probe", "rows_estimate.sql"))
        return {name: int(n) for name, n in cur.fetchall()}
    cur.execute(shipped_sql.load("pgwarden.probe", "rows_tables.sql"))
    found: list[tuple[str, str, str, int, str, bool]] = cur.fetchall()
    tables = [t for t in found if t[5]]  # trusted: count(*) plans nothing of another role's
    out: dict[str, int] = {}
    cur.execute("SAVEPOINT pgwarden_count")
    tables_only(cur)  # a table swapped for a view since it was listed: an error, never a plan of the view
    for start in range(0, len(tables), COUNT_BATCH):
        batch = tables[start : start + COUNT_BATCH]
        query = sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT {}::int, pg_catalog.count(*) FROM {}.{}").format(
                sql.Literal(i), sql.Identifier(schema), sql.Identifier(rel)
            )
            for i, (_name, schema, rel, _oid, _kind, _trusted) in enumerate(batch)
        )
        cur.execute(query)
        for i, n in cur.fetchall():
            out[batch[i][0]] = int(n)
    cur.execute("ROLLBACK TO SAVEPOINT pgwarden_count; RELEASE SAVEPOINT pgwarden_count")  # the setting with it
    server_side = None
    for name, _schema, _rel, oid, kind, trusted in found:
        if not trusted and kind == "r":  # a materialized view cannot be copied without planning it: not counted
            if server_side is None:
                server_side = _may_write_server_files(cur)
            out[name] = _copied_rows(cur, oid, name, server_side)
    return out


def _may_write_server_files(cur: psycopg.Cursor[Any]) -> bool:
    cur.execute(
        "SELECT pg_catalog.pg_has_role(session_user, 'pg_write_server_files', 'USAGE') "
        "OR (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user)"
    )
    row = cur.fetchone()
    return bool(row and row[0])


def _copied_rows(cur: psycopg.Cursor[Any], oid: int, name: str, server_side: bool) -> int:
    """The rows ``count(*)`` of the table would count (its own and its inheritance descendants'), read with
    ``COPY … TO``, which scans the heap and plans nothing: into ``/dev/null`` on the server, its command tag
    giving the count, where this role may write server files; else to pgwarden, one CopyData message per row.
    A table replaced meanwhile by a view (which COPY refuses) is an environment problem, not a count."""
    cur.execute(
        "WITH RECURSIVE d(oid) AS (SELECT %s::oid UNION SELECT i.inhrelid FROM pg_inherits i "
        "JOIN d ON i.inhparent = d.oid) SELECT n.nspname::text, c.relname::text FROM d "
        "JOIN pg_class c ON c.oid = d.oid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' ORDER BY 1, 2",
        (oid,),
    )
    parts = cur.fetchall()
    n = 0
    # row security off, in a savepoint: a policy that would apply makes COPY fail, never turns it into a query
    cur.execute("SAVEPOINT pgwarden_copy_count; SET LOCAL row_security = off")
    try:
        for schema, rel in parts:
            table = sql.Identifier(schema, rel)
            if server_side:
                cur.execute(sql.SQL("COPY {} TO '/dev/null'").format(table))
                n += max(cur.rowcount, 0)
                continue
            with cur.copy(sql.SQL("COPY {} TO STDOUT").format(table)) as copy:
                for _row in copy:
                    n += 1
    except (psycopg.errors.WrongObjectType, psycopg.errors.InsufficientPrivilege) as exc:
        raise EnvironmentProblem(
            f"{name}: its rows cannot be counted without planning a query of a table another "
            f"role owns: {exc.diag.message_primary}",
            details=["count with a role that bypasses row security, or give --rows estimate"],
        ) from None
    cur.execute("ROLLBACK TO SAVEPOINT pgwarden_copy_count; RELEASE SAVEPOINT pgwarden_copy_count")
    return n


# -- the fingerprint ---------------------------------------------------------------------------------
def take_fingerprint(
    conn: psycopg.Connection[Any],
    *,
    rows: str = "none",
    queries: Mapping[str, str] | None = None,
    snapshot: str | None = None,
) -> Fingerprint:
    """Fingerprint the database of ``conn`` in ONE read-only REPEATABLE READ transaction that is
    always rolled back. ``conn`` must not be inside a transaction.

    With ``snapshot`` (an id from ``pg_export_snapshot()``) the transaction sees exactly that snapshot, as a
    ``pg_dump --snapshot`` does, and reads with ``row_security = off`` as pg_dump does: a table whose rows
    this role could only partly see makes the count fail rather than come out short."""
    if rows not in ROWS_MODES:
        raise BadInput(f"--rows {rows!r}: expected one of {', '.join(ROWS_MODES)}")
    named = {str(k): check_query(str(k), v) for k, v in (queries or {}).items()}
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise BadInput("take_fingerprint needs a connection that is not inside a transaction")
    if named:
        from pgwarden.pg.user_sql import check_calls  # pglast again: only for named queries

        # STABLE or IMMUTABLE only, resolved on this server (the queries run under search_path = pg_catalog)
        check_calls(conn, named, "pg_catalog")
    try:
        with conn.transaction(force_rollback=True), conn.cursor() as cur:
            cur.execute(shipped_sql.load("pgwarden.probe", "session.sql"))
            if snapshot is not None:
                cur.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
                cur.execute("SET LOCAL row_security = off")
            server = read_identity(conn).as_dict()
            taken_at = utcnow()
            found = _entries(cur)
            counts = _rows(cur, rows)
            values = {name: _run_query(cur, name, text) for name, text in named.items()}
    except psycopg.OperationalError as exc:  # connection lost, statement/lock timeout, cancelled
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise EnvironmentProblem(f"the probe was cut short by the server: {msg}") from None
    return _fingerprint(taken_at, server, rows, found, counts, values)


def _entries(cur: psycopg.Cursor[Any]) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    for q in KIND_QUERIES:
        cur.execute(shipped_sql.load("pgwarden.probe", f"{q}.sql"))
        found += cur.fetchall()
    return found


def fingerprint_here(cur: psycopg.Cursor[Any], server: dict[str, Any] | None = None) -> Fingerprint:
    """The fingerprint of what the current transaction sees, its own uncommitted changes included (for a
    rehearsal, which rolls its changes back). The probe's settings apply inside a savepoint, then revert."""
    cur.execute("SAVEPOINT pgwarden_fingerprint")
    try:
        for line in shipped_sql.load("pgwarden.probe", "session.sql").splitlines():
            if line.startswith("SET LOCAL"):
                cur.execute(line)
        found = _entries(cur)
    finally:
        cur.execute("ROLLBACK TO SAVEPOINT pgwarden_fingerprint")
        cur.execute("RELEASE SAVEPOINT pgwarden_fingerprint")
    return _fingerprint(utcnow(), server or {}, "none", found, {}, {})


def _fingerprint(
    taken_at: str,
    server: dict[str, Any],
    rows: str,
    found: list[tuple[str, str, str]],
    counts: dict[str, int],
    values: dict[str, str | None],
) -> Fingerprint:
    found.sort()
    entries: list[ProbeEntry] = []
    prev, n = ("", ""), 1
    for kind, name, d in found:
        # (kind, name) is unique by construction; should a catalog oddity ever repeat one, keep both.
        n = n + 1 if (kind, name) == prev else 1
        prev = (kind, name)
        entries.append(ProbeEntry(kind, name if n == 1 else f"{name}#{n}", sha256_text(d), d))
    return Fingerprint(taken_at, server, rows, tuple(entries), counts, values)


def fingerprint_dsn(dsn: str | None, *, rows: str = "none", queries: Mapping[str, str] | None = None) -> Fingerprint:
    with connection(dsn, application_name="pgwarden probe") as conn:
        return take_fingerprint(conn, rows=rows, queries=queries)


# -- commands -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProbeResult:
    fingerprint: Path  # where the fingerprint JSON was written
    sha256: str  # of that file
    kit: Path | None  # the evidence kit, unless --no-kit
    taken_at: str
    server: dict[str, Any]
    rows_mode: str
    entries: int
    counts: dict[str, int]  # entries per kind
    rows_total: int | None  # sum of row counts (None when rows_mode == "none")
    seconds: float


def probe(
    dsn: str | None,
    *,
    fingerprint: Path | None = None,
    rows: str = "none",
    out: Path | None = None,
    write_kit: bool = True,
    queries: Mapping[str, str] | None = None,
    reporter: Reporter = SILENT,
) -> ProbeResult:
    """Take a fingerprint; write it to ``fingerprint`` and (unless ``write_kit`` is false) an evidence kit
    at ``out`` with ``probes/probe.json``. Inputs are checked before the database is touched."""
    if not write_kit and fingerprint is None:
        raise BadInput("--no-kit needs --fingerprint FILE: there would be nowhere to write the fingerprint")
    if not write_kit and out is not None:
        raise BadInput("--out and --no-kit contradict each other; give one")
    if fingerprint is not None:
        try:
            check_writable(Path(fingerprint))
        except BadInput as exc:
            raise BadInput(f"--fingerprint {exc.message}") from None
    check_out_dir(out)
    if rows not in ROWS_MODES:
        raise BadInput(f"--rows {rows!r}: expected one of {', '.join(ROWS_MODES)}")
    reporter.step(f"probing {redact_dsn(dsn) or '(PG* environment)'} (rows: {rows})")
    t0 = time.monotonic()
    fp = fingerprint_dsn(dsn, rows=rows, queries=queries)
    seconds = round(time.monotonic() - t0, 3)
    text = dumps(fp)
    digest = sha256_text(text)
    counts = fp.counts()
    rows_total = sum(fp.rows.values()) if rows != "none" else None
    target = Path(fingerprint) if fingerprint is not None else None
    if target is not None:
        write_text(target, text)  # before the kit: a failure here leaves no half-written kit
    if not write_kit:
        assert target is not None
        return ProbeResult(
            target, digest, None, fp.taken_at, fp.server, rows, len(fp.entries), counts, rows_total, seconds
        )
    kit = EvidenceKit.create(
        out,
        "probe",
        {
            "dsn": redact_dsn(dsn),
            "fingerprint": str(fingerprint) if fingerprint else None,
            "rows": rows,
            "queries": sorted(queries or {}),
        },
    )
    kit.environment.update(server=fp.server, session_limits=asdict(session_limits()))
    result = ProbeResult(
        target or kit.root / "probes" / "probe.json",
        digest,
        kit.root,
        fp.taken_at,
        fp.server,
        rows,
        len(fp.entries),
        counts,
        rows_total,
        seconds,
    )
    runner = GateRunner(kit, ("probe",), reporter)

    def body() -> None:
        with runner.gate("probe") as g:
            kit.write_text("probes/probe.json", text)
            g.record(probe_gate(fp))

    runner.run(body, lambda _v, _e: (_summary(result, fp), result))
    return result


def _summary(r: ProbeResult, fp: Fingerprint) -> Report:
    lead = (
        f"**PASS**: {r.entries} objects fingerprinted in one read-only transaction ({r.seconds} s), "
        f"rows: {r.rows_mode}."
    )
    blocks: list[Block] = [
        Text(lead),
        Facts.of("Server", sorted(r.server.items()), ("field", "value")),
        Table.of("Objects", ["kind", "count"], sorted(r.counts.items())),
        Table.of("Fingerprint", ["file", "sha256", "taken at"], [["probes/probe.json", r.sha256, r.taken_at]]),
    ]
    if r.rows_mode != "none":
        blocks.append(
            Section(f"Rows ({r.rows_mode})", (Text(f"{len(fp.rows)} tables, {r.rows_total} rows in total."),))
        )
    if fp.queries:
        blocks.append(
            Facts.of(
                "Named queries",
                [(k, "NULL" if v is None else v) for k, v in sorted(fp.queries.items())],
                ("name", "value"),
            )
        )
    return Report("pgwarden probe", str(r.server.get("database") or ""), "PASS", tuple(blocks), lead)
