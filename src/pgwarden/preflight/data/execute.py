"""Running the data checks: each query in a savepoint of preflight's read-only transaction, under
``statement_timeout`` (and the session's ``lock_timeout``), with row security off so that no policy
hides a row (a table a policy would filter is "not judged"). A check that runs out of time is "not
judged: timed out", never OK. The queries call only STABLE or IMMUTABLE functions: every function a
user expression names is resolved on the server first (:func:`pgwarden.pg.user_sql.calls_of`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg
from psycopg import errors

from pgwarden.errors import BadInput
from pgwarden.findings import Finding, Severity
from pgwarden.pg.planned_code import tables_only
from pgwarden.pg.user_sql import calls_of
from pgwarden.preflight.data.plan import CheckKind, DataCheck
from pgwarden.preflight.names import quote_ident
from pgwarden.rules import Rule

DEFAULT_TIMEOUT_S = 10.0
_SAVEPOINT = "pgwarden_data_check"


class DataStatus(StrEnum):
    OK = "ok"  # no row breaks the statement
    REFUSED = "refused"  # rows break it: the server would refuse the statement
    NOT_JUDGED = "not judged"  # could not be decided (timed out, depends on an earlier bundle, …)


@dataclass(frozen=True)
class DataCheckResult:
    bundle: str
    file: str
    line: int
    col: int
    statement: str
    kind: CheckKind
    relation: str
    what: str
    status: DataStatus
    rows: int | None = None  # offending rows (None: not counted)
    keys: tuple[str, ...] = ()  # up to five, "(id)=(5)"
    summary: str = ""  # "2 rows are NULL", "not judged: timed out after 10 s"
    sqlstate: str | None = None
    server_message: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class Planned:
    bundle: str
    file: str
    line: int
    col: int
    statement: str
    check: DataCheck
    path: tuple[str, ...] = ("pg_catalog",)  # the schemas the statement's names resolve along, in order

    @property
    def search_path(self) -> str:
        """``path`` as a search_path setting: the user's expressions in the check resolve as in the statement."""
        return ", ".join(quote_ident(s) for s in self.path)


def _count_text(kind: CheckKind, n: int, groups: int = 0) -> str:
    rows = f"{n:,} row{'s' if n != 1 else ''}"
    if kind is CheckKind.NOT_NULL or kind is CheckKind.ADD_NOT_NULL:
        verb = "is" if n == 1 else "are"
        return (
            f"{rows} {verb} NULL"
            if kind is CheckKind.NOT_NULL
            else f"the table has {'more than 1,000,000' if n > 1_000_000 else f'{n:,}'} row{'s' if n != 1 else ''}, "
            "and the new column would be NULL in each"
        )
    if kind is CheckKind.UNIQUE:
        return f"{rows} share a key" + (f" ({groups} keys)" if groups > 1 else "")
    if kind is CheckKind.CHECK:
        return f"{rows} violate{'s' if n == 1 else ''} the check"
    if kind is CheckKind.FOREIGN_KEY:
        return f"{rows} {'has' if n == 1 else 'have'} no matching row in the referenced table"
    return f"{rows} cannot be converted"


def run_checks(
    cur: psycopg.Cursor[Any], planned: Sequence[Planned], timeout_s: float = DEFAULT_TIMEOUT_S
) -> list[DataCheckResult]:
    out = []
    for p in planned:
        out.append(_one(cur, p, timeout_s))
    return out


def _result(p: Planned, status: DataStatus, summary: str, **kw: Any) -> DataCheckResult:
    c = p.check
    return DataCheckResult(
        p.bundle, p.file, p.line, p.col, p.statement, c.kind, c.relation, c.what, status, summary=summary, **kw
    )


def _one(cur: psycopg.Cursor[Any], p: Planned, timeout_s: float) -> DataCheckResult:
    c = p.check
    if c.not_judged is not None:
        return _result(p, DataStatus.NOT_JUDGED, f"not judged: {c.not_judged}")
    if c.empty:
        return _result(p, DataStatus.OK, "the table is new and nothing writes to it first: no rows", rows=0)
    t0 = time.monotonic()
    conn = cur.connection
    texts = [q.as_string(conn) for q in (c.convert, c.query) if q is not None]
    try:
        for i, text in enumerate(texts):
            calls_of(cur, f"data check {i + 1} of {p.file}:{p.line}", text, list(p.path))
    except BadInput as exc:
        return _result(p, DataStatus.NOT_JUDGED, f"not judged: {exc.message.split(': user SQL')[0]}")
    converted_error: tuple[str, str] | None = None
    rows: list[dict[str, Any]] = []
    try:
        if c.convert is not None:
            answer = _ask(cur, c.convert, p.search_path, timeout_s, data_errors_ok=True)
            converted_error = answer if isinstance(answer, tuple) else None
        if c.query is not None:
            try:
                answer = _ask(cur, c.query, p.search_path, timeout_s, data_errors_ok=False)
                rows = answer if isinstance(answer, list) else []
            except _NotJudged:
                if converted_error is None:  # the conversion already failed: that is the verdict
                    raise
    except _NotJudged as exc:
        return _result(p, DataStatus.NOT_JUDGED, f"not judged: {exc}", seconds=round(time.monotonic() - t0, 3))
    n = int(rows[0]["n"]) if rows else 0
    groups = len(rows)
    keys = tuple(_key(c, r) for r in rows)
    seconds = round(time.monotonic() - t0, 3)
    if converted_error is not None:
        counted = _count_text(c.kind, n) if n else "at least one row cannot be converted"
        counted += f" ({converted_error[1]})"
        return _result(
            p,
            DataStatus.REFUSED,
            counted,
            rows=n or None,
            keys=keys,
            sqlstate=converted_error[0],
            server_message=converted_error[1],
            seconds=seconds,
        )
    if n:
        if c.kind is CheckKind.CAST:  # the count query is stricter than the conversion (a typmod): its error
            return _result(
                p,
                DataStatus.REFUSED,
                _count_text(c.kind, n),
                rows=n,
                keys=keys,
                sqlstate="22001",
                server_message=None,
                seconds=seconds,
            )
        return _result(
            p,
            DataStatus.REFUSED,
            _count_text(c.kind, n, groups),
            rows=n,
            keys=keys,
            sqlstate=c.sqlstate,
            server_message=c.server_message,
            seconds=seconds,
        )
    return _result(p, DataStatus.OK, "no row breaks it", rows=0, seconds=seconds)


def _key(c: DataCheck, row: dict[str, Any]) -> str:
    value = str(row["key"])
    if len(value) > 80:
        value = value[:77] + "..."
    text = f"({', '.join(c.key_columns)})={value}"
    if "copies" in row:
        text += f" ×{row['copies']}"
    return text


class _NotJudged(Exception):
    """A check that cannot decide: timed out, or its query failed for another reason than the data."""


def _ask(
    cur: psycopg.Cursor[Any], query: Any, path: str, timeout_s: float, *, data_errors_ok: bool
) -> list[dict[str, Any]] | tuple[str, str]:
    """The rows, or with ``data_errors_ok`` a data error (class 22/23) as (sqlstate, message)."""
    status, payload = _run(cur, query, path, timeout_s)
    if status == "timeout":
        raise _NotJudged(f"timed out after {timeout_s:g} s")
    if status == "error":
        assert isinstance(payload, tuple)
        if data_errors_ok and payload[0][:2] in ("22", "23"):
            return payload
        raise _NotJudged(f"the check failed: {payload[1]}")
    assert isinstance(payload, list)
    return payload


def _run(cur: psycopg.Cursor[Any], query: Any, path: str, timeout_s: float) -> tuple[str, object]:
    """("rows", rows) | ("timeout", None) | ("error", (sqlstate, message)); the savepoint is always undone,
    and the settings with it (the statement's search_path too: the query's own words are schema-qualified)."""
    cur.execute(f"SAVEPOINT {_SAVEPOINT}")
    try:
        cur.execute(
            "SELECT pg_catalog.set_config('statement_timeout', %s::pg_catalog.text, true), "
            "pg_catalog.set_config('row_security', 'off', true), "
            "pg_catalog.set_config('search_path', %s::pg_catalog.text, true)",
            (f"{max(1, int(timeout_s * 1000))}ms", path),
        )
        tables_only(cur)  # it reads tables: one swapped for a view since it was checked is an error, not a plan
        cur.execute(query)
        result: tuple[str, object] = ("rows", cur.fetchall())
    except errors.QueryCanceled:
        result = ("timeout", None)
    except psycopg.Error as exc:
        result = ("error", (exc.sqlstate or "", exc.diag.message_primary or str(exc)))
    cur.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
    cur.execute(f"RELEASE SAVEPOINT {_SAVEPOINT}")
    return result


def finding(r: DataCheckResult) -> Finding | None:
    """A refused check is an error finding: the server would refuse the statement on these rows."""
    if r.status is not DataStatus.REFUSED:
        return None
    facts: dict[str, Any] = {"relation": r.relation, "rows": r.rows, "keys": list(r.keys), "check": r.what}
    if r.server_message:
        facts["detail"] = f"PostgreSQL would say: {r.server_message}"
    if r.keys:
        facts["note"] = "offending rows, by key: " + "; ".join(r.keys)
    return Finding(
        RULES[r.kind],
        r.bundle,
        r.file,
        r.line,
        r.col,
        r.statement,
        f"{r.summary}: {', '.join(r.keys[:5])}" if r.keys else r.summary,
        Severity.ERROR,
        r.sqlstate,
        None,
        _FIX.get(r.kind),
        facts,
    )


_FIX = {
    CheckKind.NOT_NULL: "backfill the NULLs in an earlier bundle (UPDATE ... WHERE col IS NULL), or drop the rows",
    CheckKind.ADD_NOT_NULL: "add the column with a DEFAULT, or add it nullable, backfill it, then SET NOT NULL",
    CheckKind.UNIQUE: "remove or merge the duplicate rows in an earlier bundle, then build the unique index",
    CheckKind.CHECK: "fix the violating rows first, or add the constraint NOT VALID and VALIDATE it once they are "
    "fixed",
    CheckKind.FOREIGN_KEY: "insert the missing parent rows or fix the child rows first, or add the constraint "
    "NOT VALID and VALIDATE it later",
    CheckKind.CAST: "fix the values first, or give a USING expression that converts every value",
}
# Each kind of data check reports under its own rule (preflight.data.<kind>).
RULES = {
    CheckKind.NOT_NULL: Rule.PREFLIGHT_DATA_NOT_NULL,
    CheckKind.ADD_NOT_NULL: Rule.PREFLIGHT_DATA_ADD_NOT_NULL,
    CheckKind.UNIQUE: Rule.PREFLIGHT_DATA_UNIQUE,
    CheckKind.CHECK: Rule.PREFLIGHT_DATA_CHECK,
    CheckKind.FOREIGN_KEY: Rule.PREFLIGHT_DATA_FOREIGN_KEY,
    CheckKind.CAST: Rule.PREFLIGHT_DATA_CAST,
}
