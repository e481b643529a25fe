"""A package's rollback-only probes: run after their bundle under the package's settings, always rolled back,
and judged against what the manifest expects (an error SQLSTATE, a row count, or success)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from pgwarden.errors import EnvironmentProblem
from pgwarden.package.manifest import Package, ProbeSpec
from pgwarden.parsing.source import parse_sql
from pgwarden.pg import search_path
from pgwarden.runner import sequences
from pgwarden.runner.statements import lost


@dataclass(frozen=True)
class ProbeOutcome:
    name: str
    after: str
    expected: str
    actual: str
    ok: bool
    advanced: tuple[str, ...] = ()  # sequences the probe advanced: not rolled back with its transaction

    @property
    def verdict(self) -> str:
        """One line, the same for apply and rehearse: "p: expected 0 row(s), got 1 row(s)"."""
        return f"{self.name}: expected {self.expected}, got {self.actual}" + (
            f"; advanced sequence {', '.join(self.advanced)} (not rolled back)" if self.advanced else ""
        )


def run_probe(
    conn: psycopg.Connection[Any], pkg: Package, p: ProbeSpec, path: str, cur: psycopg.Cursor[Any] | None = None
) -> ProbeOutcome:
    """Run probe ``p`` rolled back: in its own transaction, or (``cur``, inside a transaction) under a savepoint
    that is rolled back to. ``path``: the package's search_path (what the sequences it may advance resolve in)."""
    (st,) = parse_sql(p.sql, f"probe {p.name!r}")
    error: psycopg.Error | None = None
    rows = 0
    with sequences.advanced_by(conn, st.node, path) as advanced:
        try:
            if cur is None:
                with conn.transaction(force_rollback=True), conn.cursor() as c:
                    search_path.enter_package(c, pkg.settings)
                    c.execute(st.text)
                    rows = c.rowcount
            else:
                cur.execute("SAVEPOINT pgwarden_probe")
                try:
                    search_path.enter_package(cur, pkg.settings)
                    cur.execute(st.text)
                    rows = cur.rowcount
                finally:
                    if not lost(conn):
                        cur.execute("ROLLBACK TO SAVEPOINT pgwarden_probe")
        except psycopg.Error as exc:
            if lost(conn):
                raise EnvironmentProblem(f"the connection was lost during probe {p.name!r}") from None
            error = exc
    if error is not None:
        state = error.diag.sqlstate
        return ProbeOutcome(
            p.name,
            p.after,
            p.expected,
            f"error {state}: {error.diag.message_primary}",
            p.expect_error is not None and state == p.expect_error,
            tuple(advanced),
        )
    ok = p.expect_error is None and (p.expect_rows is None or rows == p.expect_rows)
    return ProbeOutcome(p.name, p.after, p.expected, f"{rows} row(s)", ok, tuple(advanced))
