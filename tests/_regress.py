"""The differential harness over PostgreSQL's own regression SQL: the server is the oracle.

Each file of ``shared/datasets/postgres-regress`` is replayed on a real server, in a database of its own
that ``test_setup.sql`` prepared, statement by statement on one session, as psql would run it. Before each
statement, preflight predicts it as a one-statement package would be predicted by ``check --dsn``: on the
same session (its search_path, role and open transaction), against the live catalog as it is at that
moment. Then the statement runs, and the two outcomes are scored:

- **agree**: both succeed, or both refuse with the same SQLSTATE;
- **false alarm**: preflight refuses for certain (an error, which would block the change) and the server
  accepts; **warned**: preflight only warns (not certain) and the server accepts;
- **wrong code**: both refuse, with different SQLSTATEs;
- **miss**: preflight judged the statement and said OK, the server refused;
- **not predicted**: preflight said it cannot judge the statement (no rule for its kind, or a part it cannot
  evaluate: "rehearsal covers it"), and the server refused;
- **data**: a query or DML statement refused for its data or at run time (division by zero, a unique or
  check violation, a RAISE in a function): not a catalog refusal; rehearsal with data covers it.

Statements the harness cannot replay faithfully are not scored: psql variables (``:name``), ``COPY …
FROM stdin`` and psql meta-commands, which are skipped, and statements run in an aborted transaction.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Any

import psycopg
from pglast import scan
from pglast.parser import ParseError, split

from pgwarden.preflight.engine import predict
from pgwarden.preflight.prediction import Prediction
from tests.conftest import shared_dataset


class Score(StrEnum):
    AGREE = "agree"
    FALSE_ALARM = "false alarm"
    WARNED = "warned"
    WRONG_CODE = "wrong code"
    MISS = "miss"
    NOT_PREDICTED = "not predicted"
    DATA = "data"


@dataclass(frozen=True)
class Statement:
    file: str
    line: int
    text: str


@dataclass(frozen=True)
class Scored:
    stmt: Statement
    score: Score
    predicted: str  # "ok", "ok (not predicted: …)" or "SQLSTATE message"
    server: str  # "ok" or "SQLSTATE message"
    kind: str


@dataclass
class Tally:
    counts: Counter[Score] = field(default_factory=Counter)
    cases: list[Scored] = field(default_factory=list)
    unscored: int = 0

    def add(self, s: Scored) -> None:
        self.counts[s.score] += 1
        if s.score not in (Score.AGREE,):
            self.cases.append(s)

    def line(self) -> str:
        scored = sum(self.counts.values())
        return (
            f"{scored} scored: agree {self.counts[Score.AGREE]}, miss {self.counts[Score.MISS]}, false alarm "
            f"{self.counts[Score.FALSE_ALARM]}, wrong code {self.counts[Score.WRONG_CODE]}, not predicted "
            f"{self.counts[Score.NOT_PREDICTED]}, warned {self.counts[Score.WARNED]}, data "
            f"{self.counts[Score.DATA]}; {self.unscored} not scored"
        )


def regress_dir() -> Path:
    return shared_dataset("postgres-regress", "SOURCE.txt").parent


def regress_files() -> list[str]:
    return sorted(p.name for p in regress_dir().glob("*.sql") if p.name != "test_setup.sql")


_COPY = re.compile(r"^\s*COPY\b", re.IGNORECASE)
_COPY_STDIN = re.compile(r"^\s*COPY\b.*\bFROM\s+stdin\b", re.IGNORECASE)


def statements(path: Path) -> Iterator[Statement]:
    """The file's SQL statements with their first line; meta-command lines and COPY data are blanked."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    out, in_copy = [], False
    for line in lines:
        if in_copy:
            in_copy = line.rstrip("\r\n") != "\\."
            out.append("\n")
        elif line.lstrip().startswith("\\"):
            out.append("\n")
        elif _COPY_STDIN.match(line):
            in_copy = True
            out.append("\n")
        else:
            out.append(line)
    text = "".join(out)
    for sl in split(text, with_parser=False, only_slices=True):
        piece = text[sl]
        if piece.strip():
            start = sl.start + len(piece) - len(piece.lstrip())
            yield Statement(path.name, text.count("\n", 0, start) + 1, piece.strip())


def uses_psql_variables(text: str) -> bool:
    """``:name``, ``:'name'`` or ``:"name"``: psql substitutes them, the server never sees them."""
    try:
        tokens = scan(text)
    except ParseError:
        return ":" in text
    for a, b in pairwise(tokens):
        if (
            a.name == "ASCII_58"
            and b.start == a.end + 1
            and b.name
            in (
                "IDENT",
                "SCONST",
                "UNRESERVED_KEYWORD",
                "COL_NAME_KEYWORD",
                "RESERVED_KEYWORD",
                "TYPE_FUNC_NAME_KEYWORD",
            )
        ):
            return True
    return False


# Statement kinds (as preflight names them) that query or change rows rather than define objects.
_QUERIES = {
    "Select",
    "Insert",
    "Update",
    "Delete",
    "Merge",
    "Explain",
    "Execute",
    "Fetch",
    "Move",
    "CALL",
    "DO",
    "Copy",
    "Prepare",
    "DeclareCursor",
    "VariableShow",
    "Discard",
    "Listen",
    "Notify",
    "Vacuum",
    "RefreshMatView",
    "Reindex",
    "Cluster",
    "Lock",
    "Checkpoint",
    "ClosePortal",
    "Deallocate",
    "CreateTableAs",
}  # CREATE TABLE AS and CREATE MATERIALIZED VIEW run their query
_TXN = re.compile(
    r"^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION)"
    r"\b",
    re.IGNORECASE,
)
# Server errors that come from the data or from running code, not from the catalog.
_DATA_CLASSES = (
    "21",
    "22",
    "23",
    "25",
    "27",
    "2F",
    "38",
    "39",
    "40",
    "53",
    "54",
    "55",
    "57",
    "P0",
    "XX",
    "0B",
    "2D",
    "3B",
    "72",
    "HV",
    "58",
)


def _server(conn: psycopg.Connection[Any], text: str) -> tuple[bool, str | None, str]:
    try:
        conn.execute(text)
        return True, None, "ok"
    except psycopg.Error as exc:
        d = exc.diag
        return False, d.sqlstate, f"{d.sqlstate} {d.message_primary}"


def _shown(p: Prediction) -> str:
    if p.ok:
        return "ok" if p.predicted else f"ok (not predicted: {p.unjudged or p.note or 'no rule for ' + p.kind})"
    return f"{p.sqlstate} {p.message}" + ("" if p.exact else " (warning)")


def score(p: Prediction, ok: bool, sqlstate: str | None, is_query: bool) -> Score:
    if ok:
        if p.ok:
            return Score.AGREE
        return Score.FALSE_ALARM if p.exact else Score.WARNED
    if not p.ok:
        return Score.AGREE if p.sqlstate == sqlstate else Score.WRONG_CODE
    klass = (sqlstate or "")[:2]
    if (is_query and klass in _DATA_CLASSES) or klass in ("23", "P0"):
        # the rows decide (a DDL over rows that violate it: data checks and rehearsal with data judge
        # those), or running code does (RAISE)
        return Score.DATA
    return Score.MISS if p.predicted else Score.NOT_PREDICTED


def replay(conn: psycopg.Connection[Any], path: Path) -> Tally:
    """Replay one file on ``conn`` (autocommit), scoring every statement it can."""
    tally = Tally()
    for stmt in statements(path):
        if _COPY.match(stmt.text):  # its data (stdin) is not replayed; COPY TO STDOUT needs a client reading
            tally.unscored += 1
            continue
        status = conn.info.transaction_status
        if status == psycopg.pq.TransactionStatus.INERROR or uses_psql_variables(stmt.text) or _TXN.match(stmt.text):
            _server(conn, stmt.text)
            tally.unscored += 1
            continue
        preds = predict(conn, stmt.text)
        p = preds[0] if preds else Prediction(True)
        ok, sqlstate, shown = _server(conn, stmt.text)
        s = score(p, ok, sqlstate, p.kind in _QUERIES)
        tally.add(Scored(stmt, s, _shown(p), shown, p.kind))
    return tally


def setup_database(admin: psycopg.Connection[Any], dsn_of: Any, name: str) -> psycopg.Connection[Any]:
    """A new database with ``test_setup.sql`` run in it (its errors ignored: some need regress.so)."""
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    conn = psycopg.connect(dsn_of(name), autocommit=True)
    conn.execute("SET client_min_messages = error")
    for stmt in statements(regress_dir() / "test_setup.sql"):
        if not uses_psql_variables(stmt.text) and not _COPY.match(stmt.text):
            _server(conn, stmt.text)
    return conn
