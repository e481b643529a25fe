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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg

from pgwarden.errors import EnvironmentProblem
from pgwarden.evidence.kit import utcnow
from pgwarden.ledger import ledger
from pgwarden.ledger.ledger import BundleState
from pgwarden.package.manifest import Bundle, Package
from pgwarden.package.verify_scripts import probes_after
from pgwarden.parsing.source import Statement
from pgwarden.pg import search_path
from pgwarden.progress import SILENT, Reporter
from pgwarden.runner import settings
from pgwarden.runner.probes import ProbeOutcome, run_probe
from pgwarden.runner.statements import ServerError, lost, run_statements, statements_of

LOCK_NOT_AVAILABLE = "55P03"
MAX_RETRY_WAIT = 30.0


class AttemptOutcome(StrEnum):
    APPLIED = "applied"
    FAILED = "failed"
    LOCK_TIMEOUT = "lock timeout"  # retried while retries are left
    IN_DOUBT = "in doubt"  # a non-atomic bundle whose statement failed or was cut short


class BundleOutcome(StrEnum):
    APPLIED = "applied"
    ALREADY_APPLIED = "already applied"  # by an earlier run (the ledger says so)
    FAILED = "failed"
    PROBE_FAILED = "probe failed"  # applied, but a rollback-only probe disagreed
    IN_DOUBT = "in doubt"
    ROLLED_BACK = "rolled back"
    ROLLBACK_FAILED = "rollback failed"
    NOT_REACHED = "not reached"


@dataclass(frozen=True)
class Attempt:
    number: int
    started: str
    seconds: float
    outcome: AttemptOutcome
    error: ServerError | None = None


@dataclass(frozen=True)
class RunContext:
    """What every ledger row of this run records."""

    run_id: str
    package_hash: str
    kit: str
    backup_sha256: str | None
    db_role: str


class _Refused(Exception):
    """A statement of the bundle was refused: raised out of the transaction block, which rolls it back."""

    def __init__(self, error: ServerError) -> None:
        super().__init__(error.message)
        self.error = error


class Executor:
    """Runs one package's bundles on one connection, which holds the pgwarden lock."""

    def __init__(
        self, conn: psycopg.Connection[Any], pkg: Package, ctx: RunContext, reporter: Reporter = SILENT
    ) -> None:
        self.conn, self.pkg, self.ctx, self.reporter = conn, pkg, ctx, reporter

    # -- bundles ------------------------------------------------------------------------------------
    def apply(self, b: Bundle, order: int, bundle_sha256: str) -> tuple[list[Attempt], int | None]:
        """Apply one bundle (retrying lock timeouts). Returns its attempts and its ledger row id (None: failed)."""
        stmts = statements_of(self.pkg, b.apply_rel)
        attempts: list[Attempt] = []
        retries = self.pkg.apply.lock_retries if b.transaction else 0
        for n in range(1, retries + 2):
            self.reporter.step(f"TXN-{order}: bundle {b.id} ({b.title})" + (f", attempt {n}" if n > 1 else ""))
            started, t0 = utcnow(), time.monotonic()
            rid, error = (self._apply_atomic if b.transaction else self._apply_non_atomic)(
                b, order, bundle_sha256, stmts
            )
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

    def _apply_atomic(
        self, b: Bundle, order: int, bundle_sha256: str, stmts: Sequence[Statement]
    ) -> tuple[int | None, ServerError | None]:
        conn = self.conn
        try:
            with self._stop_if_lost(b), conn.transaction(), conn.cursor() as cur:
                settings.enter(cur, self.pkg.settings)
                error = run_statements(cur, stmts, b.apply_rel)
                if error is not None:
                    raise _Refused(error)
                search_path.repin_session(cur)  # pgwarden's words again, whatever SET the bundle did
                rid = self._insert_row(cur, b, order, bundle_sha256, BundleState.APPLIED)
            return rid, None
        except _Refused as refused:  # leaving the block rolled the transaction back
            return None, refused.error

    def _apply_non_atomic(
        self, b: Bundle, order: int, bundle_sha256: str, stmts: Sequence[Statement]
    ) -> tuple[int | None, ServerError | None]:
        conn = self.conn
        with conn.transaction(), conn.cursor() as cur:
            rid = self._insert_row(cur, b, order, bundle_sha256, BundleState.IN_DOUBT, finished=False)
        with self._stop_if_lost(b), settings.for_session(conn, self.pkg.settings) as cur:
            error = run_statements(cur, stmts[:1], b.apply_rel)
        with conn.transaction(), conn.cursor() as cur:
            if error is not None:
                ledger.mark(
                    cur,
                    rid,
                    BundleState.IN_DOUBT,
                    note=f"the statement failed: {error.message} "
                    f"(SQLSTATE {error.sqlstate}); its effect is in doubt until resolved",
                )
                return None, error
            ledger.mark(cur, rid, BundleState.APPLIED)
        return rid, None

    def _insert_row(
        self,
        cur: psycopg.Cursor[Any],
        b: Bundle,
        order: int,
        bundle_sha256: str,
        state: BundleState,
        *,
        finished: bool = True,
    ) -> int:
        """The bundle's ledger row for this run, started now (inside the caller's transaction)."""
        return ledger.insert(
            cur,
            package=self.pkg.name,
            package_hash=self.ctx.package_hash,
            bundle=b.id,
            order=order,
            bundle_sha256=bundle_sha256,
            state=state,
            started_at=ledger.now(),
            run_id=self.ctx.run_id,
            kit=self.ctx.kit,
            backup_sha256=self.ctx.backup_sha256,
            db_role=self.ctx.db_role,
            finished=finished,
        )

    @contextmanager
    def _stop_if_lost(self, b: Bundle) -> Iterator[None]:
        """A database error on a connection that is gone stops the run (:class:`EnvironmentProblem`); any other
        is pgwarden's own statement failing, a bug rather than the bundle's fault, and goes up as it is."""
        try:
            yield
        except psycopg.Error as exc:
            if lost(self.conn):
                raise self._connection_lost(b, exc) from None
            raise

    def _connection_lost(self, b: Bundle, exc: psycopg.Error) -> EnvironmentProblem:
        msg = " ".join(str(exc).split())
        return EnvironmentProblem(
            f"the connection to the target was lost during bundle {b.id}: {msg}",
            details=[
                f"bundle {b.id} was rolled back by the server (its ledger row with it, unless it is "
                "transaction = false, then it is in_doubt)",
                "bundles applied before it stay applied: `pgwarden status` shows them; run apply again to continue",
            ],
        )

    # -- rollback-only probes -----------------------------------------------------------------------
    def probes(self, b: Bundle) -> list[ProbeOutcome]:
        path = search_path.package_path(self.conn, self.pkg.settings)
        return [run_probe(self.conn, self.pkg, p, path) for p in probes_after(self.pkg, b)]

    # -- rollback -----------------------------------------------------------------------------------
    def rollback(self, b: Bundle, rid: int) -> ServerError | None:
        """Run ``b``'s approved rollback file and mark its ledger row rolled_back, in one transaction."""
        assert b.rollback is not None and b.rollback_rel is not None
        stmts = statements_of(self.pkg, b.rollback_rel)
        self.reporter.step(f"rolling back bundle {b.id} with {b.rollback_rel}")
        try:
            with self._stop_if_lost(b), self.conn.transaction(), self.conn.cursor() as cur:
                settings.enter(cur, self.pkg.settings)
                error = run_statements(cur, stmts, b.rollback_rel)
                if error is not None:
                    raise _Refused(error)
                search_path.repin_session(cur)
                ledger.mark(cur, rid, BundleState.ROLLED_BACK, note=f"rolled back by run {self.ctx.run_id}")
        except _Refused as refused:
            return refused.error
        return None
