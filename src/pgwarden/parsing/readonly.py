"""The one rule for user SQL that must only read: exactly one plain SELECT, judged by its parse tree.

Named probe queries (``probe --query``), expectation values and count filters all go through
:func:`check_select` when they are read, so a bad one is :class:`BadInput` (exit 2) before anything
connects. They also run in read-only transactions; this check is what makes the message precise.
"""

from __future__ import annotations

from typing import Any

from pglast import ast
from pglast.parser import ParseError

from pgwarden.errors import BadInput
from pgwarden.parsing.statement_kinds import statement_kinds
from pgwarden.parsing.tree import parse
from pgwarden.parsing.walk import iter_nodes

_WRITES = (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)


def check_select(text: Any, where: str) -> ast.SelectStmt:
    """Refuse (BadInput naming ``where``) anything but one SELECT that reads; return its AST."""
    if not isinstance(text, str) or not text.strip():
        raise BadInput(f"{where}: empty SQL; expected one SELECT")
    try:
        stmts = parse(text)
    except ParseError as exc:
        raise BadInput(f"{where}: SQL syntax error: {exc}") from None
    if len(stmts) != 1:
        raise BadInput(f"{where}: must be exactly one SELECT statement, found {len(stmts)} statements")
    stmt = stmts[0].stmt
    if not isinstance(stmt, ast.SelectStmt):
        raise BadInput(f"{where}: must be a SELECT, found {statement_kinds(stmt)[0]}")
    if stmt.intoClause is not None:
        raise BadInput(f"{where}: SELECT … INTO creates a table; not allowed")
    for node in iter_nodes(stmt):
        if isinstance(node, ast.SelectStmt) and node.lockingClause:
            raise BadInput(f"{where}: SELECT … FOR UPDATE/SHARE takes row locks; not allowed")
        if isinstance(node, _WRITES):
            raise BadInput(f"{where}: contains a data-modifying {statement_kinds(node)[0]}; only reads are allowed")
    return stmt
