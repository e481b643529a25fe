"""Running a package file's statements one by one, so that a refusal names its file, line and column.

``apply`` runs them on production and ``rehearse`` on a clone, through the same functions: what a bundle
does, and how its failure is worded, cannot drift between the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from pgwarden.package.manifest import Package
from pgwarden.parsing.source import Statement, parse_sql


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

    @property
    def said(self) -> str:
        """What the server said, in one line: the message, its DETAIL (which names the object) and SQLSTATE."""
        return self.message + (f" ({self.detail})" if self.detail else "") + f" (SQLSTATE {self.sqlstate})"

    def lines(self) -> list[str]:
        out = [f"ERROR:  {self.message}"]
        out += [f"DETAIL:  {self.detail}"] if self.detail else []
        out += [f"HINT:  {self.hint}"] if self.hint else []
        out += [f"CONTEXT:  {self.context}"] if self.context else []
        out += [f"SQLSTATE: {self.sqlstate}", f"at {self.location}: {self.statement}"]
        return out


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
    return ServerError(
        diag.sqlstate, message, diag.message_detail, diag.message_hint, diag.context, file, line, col, st.first_line
    )


def lost(conn: psycopg.Connection[Any]) -> bool:
    """The connection is gone (closed, or broken by a network error or a terminated backend)."""
    return conn.closed or conn.broken


def statements_of(pkg: Package, rel: str) -> tuple[Statement, ...]:
    """The statements of the package file ``rel``, from the bytes the package was loaded and checked with."""
    return parse_sql(pkg.sql_text(rel), rel)


def run_statements(cur: psycopg.Cursor[Any], stmts: Sequence[Statement], file: str) -> ServerError | None:
    """Run ``stmts`` in order on ``cur``; the first refusal, located in ``file``, or None. A lost connection is
    not a refusal: its error propagates (the caller says what that means for its run)."""
    for st in stmts:
        try:
            cur.execute(st.text)
        except psycopg.Error as exc:
            if lost(cur.connection):
                raise
            return server_error(exc, st, file)
    return None
