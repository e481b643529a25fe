"""Running bundles, their rollback-only probes and their rollbacks on the target, with their ledger rows.

A transactional bundle is one transaction: ``SET LOCAL`` of the package's ``[settings]``, its statements
one by one (so that a failure names its file, line and column), then its ledger row, then COMMIT. A
failure on ``lock_timeout`` (55P03) retries the whole bundle, up to ``[apply] lock_retries`` times with
a growing wait. A ``transaction = false`` bundle commits its row ``in_doubt`` first, runs its one
statement, then marks the row ``applied``. A rollback is one transaction too: the bundle's rollback
file, then its row marked ``rolled_back``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg

from pgwarden.apply import ledger, sequences
from pgwarden.apply.ledger import BundleState
from pgwarden.errors import EnvironmentProblem
from pgwarden.evidence.kit import utcnow
from pgwarden.package.manifest import Bundle, Package, ProbeSpec
from pgwarden.package.verify_scripts import probes_after
from pgwarden.parsing.source import Statement, parse_sql
from pgwarden.pg import search_path
from pgwarden.progress import SILENT, Reporter

LOCK_NOT_AVAILABLE = "55P03"
MAX_RETRY_WAIT = 30.0


class AttemptOutcome(StrEnum):
    APPLIED = "applied"
    FAILED = "failed"
    LOCK_TIMEOUT = "lock timeout"        # retried while retries are left
    IN_DOUBT = "in doubt"                # a non-atomic bundle whose statement failed or was cut short


class BundleOutcome(StrEnum):
    APPLIED = "applied"
    ALREADY_APPLIED = "already applied"  # by an earlier run (the ledger says so)
    FAILED = "failed"
    PROBE_FAILED = "probe failed"        # applied, but a rollback-only probe disagreed
    IN_DOUBT = "in doubt"
    ROLLED_BACK = "rolled back"
    ROLLBACK_FAILED = "rollback failed"
    NOT_REACHED = "not reached"


@dataclass(frozen=True)
class ServerError:
    """PostgreSQL's refusal, and exactly where it happened."""

    sqlstate: str | None
    message: str
    detail: str | None
    hint: str | None
    context: str | None
    file: str
    line: int
    col: int
    statement: str

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def lines(self) -> list[str]:
        out = [f"ERROR:  {self.message}"]
        out += [f"DETAIL:  {self.detail}"] if self.detail else []
        out += [f"HINT:  {self.hint}"] if self.hint else []
        out += [f"CONTEXT:  {self.context}"] if self.context else []
        out += [f"SQLSTATE: {self.sqlstate}", f"at {self.location}: {self.statement}"]
        return out


@dataclass(frozen=True)
class Attempt:
    number: int
    started: str
    seconds: float
    outcome: AttemptOutcome
    error: ServerError | None = None


@dataclass(frozen=True)
class ProbeOutcome:
    name: str
    after: str
    expected: str
    actual: str
    ok: bool
    advanced: tuple[str, ...] = ()     # sequences the probe advanced: not rolled back with its transaction


@dataclass(frozen=True)
class RunContext:
    """What every ledger row of this run records."""

    run_id: str
    package_hash: str
    kit: str
    backup_sha256: str | None
    db_role: str


def server_error(exc: psycopg.Error, st: Statement, file: str) -> ServerError:
    """The server's error with the line and column inside ``file`` (from the error's position, if any)."""
    diag = exc.diag
    line, col = st.line, st.col
    pos = diag.statement_position
    if pos and pos.isdigit() and 0 < int(pos) <= len(st.text) + 1:
        before = st.text[: int(pos) - 1]
        nl = before.count("\n")
        line = st.line + nl
        col = (st.col + len(before)) if nl == 0 else len(before) - before.rfind("\n")
    message = diag.message_primary or str(exc).strip().splitlines()[0]
    return ServerError(diag.sqlstate, message, diag.message_detail, diag.message_hint, diag.context, file, line, col,
                       st.first_line)


def _lost(conn: psycopg.Connection[Any]) -> bool:
    return conn.closed or conn.broken


class Executor:
    """Runs one package's bundles on one connection, which holds the pgwarden lock."""

    def __init__(self, conn: psycopg.Connection[Any], pkg: Package, ctx: RunContext,
                 reporter: Reporter = SILENT) -> None:
        self.conn, self.pkg, self.ctx, self.reporter = conn, pkg, ctx, reporter

    # -- bundles ------------------------------------------------------------------------------------
    def apply(self, b: Bundle, order: int, bundle_sha256: str) -> tuple[list[Attempt], int | None]:
        """Apply one bundle (retrying lock timeouts). Returns its attempts and its ledger row id (None: failed)."""
        stmts = parse_sql(self.pkg.sql_text(b.apply_rel), b.apply_rel)
        attempts: list[Attempt] = []
        retries = self.pkg.apply.lock_retries if b.transaction else 0
        for n in range(1, retries + 2):
            self.reporter.step(f"TXN-{order}: bundle {b.id} ({b.title})" + (f", attempt {n}" if n > 1 else ""))
            started, t0 = utcnow(), time.monotonic()
            rid, error = (self._apply_atomic if b.transaction else self._apply_non_atomic)(b, order, bundle_sha256,
                                                                                          stmts)
            seconds = round(time.monotonic() - t0, 3)
            if error is None:
                attempts.append(Attempt(n, started, seconds, AttemptOutcome.APPLIED))
                return attempts, rid
            if not b.transaction:
                attempts.append(Attempt(n, started, seconds, AttemptOutcome.IN_DOUBT, error))
                return attempts, None
            if error.sqlstate == LOCK_NOT_AVAILABLE and n <= retries:
                attempts.append(Attempt(n, started, seconds, AttemptOutcome.LOCK_TIMEOUT, error))
                wait = min(MAX_RETRY_WAIT, 2.0 ** (n - 1))
                self.reporter.step(f"  lock timeout; bundle {b.id} rolled back, retrying in {wait:.0f} s")
                time.sleep(wait)
                continue
            attempts.append(Attempt(n, started, seconds, AttemptOutcome.FAILED, error))
            return attempts, None
        raise AssertionError("unreachable")  # pragma: no cover

    def _apply_atomic(self, b: Bundle, order: int, bundle_sha256: str,
                      stmts: Sequence[Statement]) -> tuple[int | None, ServerError | None]:
        conn = self.conn
        current: Statement | None = None
        try:
            with conn.transaction(), conn.cursor() as cur:
                search_path.enter_package(cur, self.pkg.settings)
                for st in stmts:
                    current = st
                    cur.execute(st.text)
                current = None
                search_path.repin_session(cur)   # pgwarden's words again, whatever SET the bundle did
                rid = ledger.insert(cur, package=self.pkg.name, package_hash=self.ctx.package_hash, bundle=b.id,
                                    order=order, bundle_sha256=bundle_sha256, state=BundleState.APPLIED,
                                    started_at=ledger.now(), run_id=self.ctx.run_id, kit=self.ctx.kit,
                                    backup_sha256=self.ctx.backup_sha256, db_role=self.ctx.db_role)
            return rid, None
        except psycopg.Error as exc:
            if _lost(conn):
                raise self._connection_lost(b, exc) from None
            if current is None:
                raise  # pgwarden's own ledger statement failed: a bug, not the bundle's fault
            return None, server_error(exc, current, b.apply_rel)

    def _apply_non_atomic(self, b: Bundle, order: int, bundle_sha256: str,
                          stmts: Sequence[Statement]) -> tuple[int | None, ServerError | None]:
        conn = self.conn
        with conn.transaction(), conn.cursor() as cur:
            rid = ledger.insert(cur, package=self.pkg.name, package_hash=self.ctx.package_hash, bundle=b.id,
                                order=order, bundle_sha256=bundle_sha256, state=BundleState.IN_DOUBT,
                                started_at=ledger.now(), run_id=self.ctx.run_id, kit=self.ctx.kit,
                                backup_sha256=self.ctx.backup_sha256, db_role=self.ctx.db_role, finished=False)
        st = stmts[0]
        previous = self._set_session()
        error: ServerError | None = None
        try:
            conn.execute(st.text)
        except psycopg.Error as exc:
            if _lost(conn):
                raise self._connection_lost(b, exc) from None
            error = server_error(exc, st, b.apply_rel)
        finally:
            if not _lost(conn) and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                self._reset_session(previous)  # not after an interrupt: the statement is still being cancelled
        with conn.transaction(), conn.cursor() as cur:
            if error is not None:
                ledger.mark(cur, rid, BundleState.IN_DOUBT, note=f"the statement failed: {error.message} "
                            f"(SQLSTATE {error.sqlstate}); its effect is in doubt until resolved")
                return None, error
            ledger.mark(cur, rid, BundleState.APPLIED)
        return rid, None

    def _set_session(self) -> dict[str, str]:
        """A non-atomic statement runs outside a transaction: the package's path and settings apply to the
        session, then revert (the path to pgwarden's pin)."""
        previous: dict[str, str] = {}
        with self.conn.cursor() as cur:
            for name in self.pkg.settings:
                if name.lower() == "search_path":
                    continue
                row = cur.execute("SELECT pg_catalog.current_setting(%s::pg_catalog.text, true)", (name,)).fetchone()
                previous[name] = str(row[0]) if row and row[0] is not None else ""
            search_path.enter_package(cur, self.pkg.settings, local=False)
        return previous

    def _reset_session(self, previous: dict[str, str]) -> None:
        with self.conn.cursor() as cur:
            search_path.repin_session(cur)
            for name, value in previous.items():
                cur.execute("SELECT pg_catalog.set_config(%s::pg_catalog.text, %s::pg_catalog.text, false)",
                            (name, value))

    def _connection_lost(self, b: Bundle, exc: psycopg.Error) -> EnvironmentProblem:
        msg = " ".join(str(exc).split())
        return EnvironmentProblem(
            f"the connection to the target was lost during bundle {b.id}: {msg}",
            details=[f"bundle {b.id} was rolled back by the server (its ledger row with it, unless it is "
                     "transaction = false, then it is in_doubt)",
                     "bundles applied before it stay applied: `pgwarden status` shows them; run apply again to "
                     "continue"])

    # -- rollback-only probes -----------------------------------------------------------------------
    def probes(self, b: Bundle) -> list[ProbeOutcome]:
        return [self._probe(p) for p in probes_after(self.pkg, b)]

    def _probe(self, p: ProbeSpec) -> ProbeOutcome:
        expected = f"error {p.expect_error}" if p.expect_error else \
            f"{p.expect_rows} row(s)" if p.expect_rows is not None else "succeeds"
        (st,) = parse_sql(p.sql, f"probe {p.name!r}")
        path = search_path.package_path(self.conn, self.pkg.settings)
        error: psycopg.Error | None = None
        rows = 0
        with sequences.advanced_by(self.conn, st.node, path) as advanced:
            try:
                with self.conn.transaction(force_rollback=True), self.conn.cursor() as cur:
                    search_path.enter_package(cur, self.pkg.settings)
                    cur.execute(st.text)
                    rows = cur.rowcount
            except psycopg.Error as exc:
                if _lost(self.conn):
                    raise EnvironmentProblem(f"the connection to the target was lost during probe {p.name!r}") \
                        from None
                error = exc
        if error is not None:
            state = error.diag.sqlstate
            return ProbeOutcome(p.name, p.after, expected, f"error {state}: {error.diag.message_primary}",
                                p.expect_error is not None and state == p.expect_error, tuple(advanced))
        ok = p.expect_error is None and (p.expect_rows is None or rows == p.expect_rows)
        return ProbeOutcome(p.name, p.after, expected, f"{rows} row(s)", ok, tuple(advanced))

    # -- rollback -----------------------------------------------------------------------------------
    def rollback(self, b: Bundle, rid: int) -> ServerError | None:
        """Run ``b``'s approved rollback file and mark its ledger row rolled_back, in one transaction."""
        assert b.rollback is not None and b.rollback_rel is not None
        stmts = parse_sql(self.pkg.sql_text(b.rollback_rel), b.rollback_rel)
        self.reporter.step(f"rolling back bundle {b.id} with {b.rollback_rel}")
        current: Statement | None = None
        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                search_path.enter_package(cur, self.pkg.settings)
                for st in stmts:
                    current = st
                    cur.execute(st.text)
                current = None
                search_path.repin_session(cur)
                ledger.mark(cur, rid, BundleState.ROLLED_BACK, note=f"rolled back by run {self.ctx.run_id}")
        except psycopg.Error as exc:
            if _lost(self.conn):
                raise self._connection_lost(b, exc) from None
            if current is None:
                raise
            return server_error(exc, current, b.rollback_rel)
        return None
