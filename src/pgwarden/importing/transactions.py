"""Transaction control inside a migration file, mirrored as psql runs the file (autocommit on, ON_ERROR_STOP).

A bundle is one transaction, so a file whose ``BEGIN``/``COMMIT`` do more than wrap the whole file (that
wrapper is cut in :mod:`pgwarden.importing.sql`) is cut where psql commits, never kept with a waiver:

- ``BEGIN`` … ``COMMIT`` is one transaction: a piece of its own;
- the statements between two blocks each commit on their own under psql: they are one piece, run as one
  transaction (it ends in the state psql's run ends in, or, when one fails, in none of it);
- a block that ends in ``ROLLBACK`` leaves nothing behind: its statements are not imported (a verify script
  keeps them: it is rolled back anyway);
- ``COMMIT AND CHAIN`` begins the next block at once; a ``BEGIN`` inside a block and a ``COMMIT`` or
  ``ROLLBACK`` outside one only draw a warning from PostgreSQL: they are dropped (the latter still cut);
- a session ``SET``/``RESET`` holds for the rest of psql's session: it is repeated at the head of every later
  transactional piece (a piece made only of such settings is not a bundle of its own);
- savepoints and two-phase commit cannot be carried into a bundle, and a block still open at the end of the
  file is rolled back by psql but committed by some tools: those are bad input naming the line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pglast import ast

from pgwarden.errors import BadInput
from pgwarden.package.lint.txn import non_transactional
from pgwarden.parsing.source import Statement
from pgwarden.parsing.walk import enum_name

BEGIN = ("TRANS_STMT_BEGIN", "TRANS_STMT_START")
COMMIT = "TRANS_STMT_COMMIT"
ROLLBACK = "TRANS_STMT_ROLLBACK"
_UNSUPPORTED = {
    "TRANS_STMT_SAVEPOINT": "SAVEPOINT",
    "TRANS_STMT_RELEASE": "RELEASE SAVEPOINT",
    "TRANS_STMT_ROLLBACK_TO": "ROLLBACK TO SAVEPOINT",
    "TRANS_STMT_PREPARE": "PREPARE TRANSACTION",
    "TRANS_STMT_COMMIT_PREPARED": "COMMIT PREPARED",
    "TRANS_STMT_ROLLBACK_PREPARED": "ROLLBACK PREPARED",
}


@dataclass(frozen=True)
class Part:
    text: str
    transaction: bool


@dataclass(frozen=True)
class Piece:
    statements: tuple[Statement, ...]
    block: bool  # inside BEGIN … COMMIT, as written


@dataclass(frozen=True)
class Cut:
    pieces: tuple[Piece, ...]  # what psql keeps, in order
    notes: tuple[str, ...]  # what became of each transaction-control statement, by line
    discarded: int = 0  # statements of rolled-back blocks, not imported


def needs_own_transaction(node: Any) -> bool:
    """Statements PostgreSQL refuses inside a transaction block (25001): the lint's own rule."""
    return non_transactional(node, None) is not None


def session_setting(node: Any) -> bool:
    """``SET``/``RESET`` of the session (not ``SET LOCAL``, not ``SET TRANSACTION``): it outlives its transaction."""
    return isinstance(node, ast.VariableSetStmt) and not node.is_local and enum_name(node.kind) != "VAR_SET_MULTI"


def has_control(statements: Sequence[Statement]) -> bool:
    return any(isinstance(s.node, ast.TransactionStmt) for s in statements)


def _lines(a: int, b: int) -> str:
    return f"line {a}" if a == b else f"lines {a}-{b}"


def cut(
    statements: Sequence[Statement], rel: str, line_of: Callable[[Statement], int], *, keep_rolled_back: bool = False
) -> Cut:
    """The pieces psql commits, see the module docstring; :class:`BadInput` for what cannot be mirrored."""
    pieces: list[Piece] = []
    notes: list[str] = []
    current: list[Statement] = []
    begun: Statement | None = None
    discarded = 0

    def close(keep: bool) -> None:
        nonlocal current, discarded
        if current and begun is None and not all(session_setting(s.node) for s in current):
            notes.append(
                f"{_lines(line_of(current[0]), line_of(current[-1]))} outside any transaction block (psql "
                "commits each statement on its own): run together"
            )
        if current and keep:
            pieces.append(Piece(tuple(current), begun is not None))
        elif current:
            discarded += len(current)
        current = []

    for s in statements:
        node = s.node
        if not isinstance(node, ast.TransactionStmt):
            current.append(s)
            continue
        what, line = enum_name(node.kind), line_of(s)
        word = s.first_line.strip()
        if what in _UNSUPPORTED:
            raise BadInput(
                f"{rel}:{line}: {_UNSUPPORTED[what]}: pgwarden import cannot carry savepoints or "
                "two-phase commit into a bundle (each bundle is one transaction pgwarden commits with its "
                "ledger row); edit the migration by hand"
            )
        if what in BEGIN:
            if begun is not None:
                notes.append(
                    f"line {line} {word} inside the transaction begun at line {line_of(begun)}: "
                    "PostgreSQL only warns (a transaction is already in progress); dropped"
                )
                continue
            close(True)
            begun = s
            continue
        if begun is None:
            close(True)
            notes.append(
                f"line {line} {word} with no transaction in progress: PostgreSQL only warns; dropped, a bundle boundary"
            )
            continue
        rolled_back = what == ROLLBACK and not keep_rolled_back
        span = f"{_lines(line_of(begun), line)} {begun.first_line.strip()} … {s.first_line.strip()}"
        if getattr(begun.node, "options", None):
            span += " (the bundle runs as pgwarden runs every bundle, without those transaction options)"
        if not current:
            notes.append(f"{span}: an empty transaction; dropped")
        elif rolled_back:
            notes.append(f"{span}: psql rolls its {len(current)} statement(s) back, so they are not imported")
        elif what == ROLLBACK:
            notes.append(f"{span}: kept (the script runs in a transaction that is rolled back anyway)")
        else:
            notes.append(f"{span}: one transaction, as psql commits it")
        close(not rolled_back)
        begun = s if node.chain else None
    if begun is not None and not current:
        notes.append(
            f"line {line_of(begun)} {begun.first_line.strip()} leaves an empty transaction open at the end "
            "of the file: psql rolls it back; dropped"
        )
    elif begun is not None:
        raise BadInput(
            f"{rel}:{line_of(begun)}: {begun.first_line.strip()} is never ended by COMMIT or ROLLBACK: "
            "psql rolls the open transaction back when the file ends, other tools commit it with their "
            "own bookkeeping; end it (or remove it) so the import does not have to guess"
        )
    close(True)
    return Cut(tuple(pieces), tuple(notes), discarded)


def _text(text: str, s: Statement) -> str:
    return text[s.offset : s.offset + len(s.text)]


def _join(texts: Sequence[str]) -> str:
    return ";\n".join(texts) + ";\n"


def joined(text: str, c: Cut) -> str:
    """Every kept statement, in order, as one text (a rollback or verify script is one transaction)."""
    return _join([_text(text, s) for p in c.pieces for s in p.statements]) if c.pieces else ""


def parts(
    text: str, c: Cut, line_of: Callable[[Statement], int], *, each_statement: bool = False
) -> tuple[tuple[Part, ...], tuple[str, ...]]:
    """The bundles of a cut file, and notes on what was carried: each piece one bundle, a statement that cannot
    run in a transaction block one of its own, and (``each_statement``: popx's ``.autocommit.``) every statement
    outside a block one of its own. Session settings are repeated at the head of every later transactional
    bundle (a ``transaction = false`` bundle holds its one statement only)."""
    out: list[Part] = []
    carried: list[Statement] = []
    repeated: set[int] = set()  # indexes into carried of the settings some later bundle repeats
    notes: list[str] = []

    def emit(head: list[Statement], body: list[str]) -> None:
        repeated.update(range(len(head)))
        out.append(Part(_join([_text(text, h) for h in head] + body), True))

    for piece in c.pieces:
        if all(session_setting(s.node) for s in piece.statements):
            carried += piece.statements
            continue
        head, body = list(carried), list[str]()
        for s in piece.statements:
            t = _text(text, s)
            if needs_own_transaction(s.node):
                if body:
                    emit(head, body)
                    body = []
                out.append(Part(_join([t]), False))
                if carried:
                    notes.append(
                        f"line {line_of(s)} runs alone (transaction = false) without the session "
                        f"setting(s) before it ({', '.join(x.first_line.strip() for x in carried)})"
                    )
                head = list(carried)
            elif each_statement and not piece.block:
                if body:
                    emit(head, body)
                    body = []
                emit(list(carried), [t])
                head = list(carried)
            else:
                body.append(t)
            if session_setting(s.node):
                carried.append(s)
        if body:
            emit(head, body)
    notes += [
        f"line {line_of(s)} {s.first_line.strip()}: a session setting under psql, repeated at the head "
        "of every later bundle of the file"
        for i, s in enumerate(carried)
        if i in repeated
    ]
    return tuple(out), tuple(notes)
