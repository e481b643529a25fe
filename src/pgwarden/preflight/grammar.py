"""Syntax newer than the target server: pglast parses with PostgreSQL 18's grammar, so a statement that uses
something an older server does not have would pass the parser here and fail there.

Such a statement is not predicted: preflight says which construct it uses and from which version, and
leaves the verdict to the server (or a rehearsal on the target's own major), never predicting OK.
"""

from __future__ import annotations

from typing import Any

from pglast import ast

from pgwarden.parsing.walk import enum_name, iter_nodes

_JSON_16 = (
    "JsonObjectConstructor",
    "JsonArrayConstructor",
    "JsonArrayQueryConstructor",
    "JsonObjectAgg",
    "JsonArrayAgg",
    "JsonIsPredicate",
)
_JSON_17 = ("JsonTable", "JsonFuncExpr", "MergeSupportFunc")


def _feature(node: Any) -> tuple[int, str] | None:
    """(the first major that has it, what it is) for one node, or None."""
    kind = type(node).__name__
    if kind in _JSON_16:
        return 16, "SQL/JSON constructors and IS JSON"
    if kind in _JSON_17:
        return 17, "JSON_TABLE, JSON_QUERY, JSON_VALUE, JSON_EXISTS or MERGE support functions"
    if (
        isinstance(node, ast.FuncCall)
        and enum_name(node.funcformat) == "COERCE_SQL_SYNTAX"
        and [getattr(n, "sval", "") for n in node.funcname or ()] == ["pg_catalog", "system_user"]
    ):
        return 16, "SYSTEM_USER"
    if isinstance(node, ast.AlterTableCmd):
        sub = enum_name(node.subtype)
        if sub == "AT_SetStorage" and isinstance(node.def_, ast.String) and node.def_.sval == "default":
            return 16, "SET STORAGE DEFAULT"
        if sub == "AT_SetExpression":
            return 17, "ALTER COLUMN … SET EXPRESSION"
    if isinstance(node, ast.GrantRoleStmt) and node.opt:
        return 16, "GRANT … WITH INHERIT / SET options"
    if isinstance(node, ast.AccessPriv) and (node.priv_name or "").lower() == "maintain":
        return 17, "the MAINTAIN privilege"
    if isinstance(node, ast.MergeStmt) and node.returningClause is not None:
        return 17, "MERGE … RETURNING"
    if isinstance(node, ast.MergeWhenClause) and enum_name(node.matchKind) == "MERGE_WHEN_NOT_MATCHED_BY_SOURCE":
        return 17, "WHEN NOT MATCHED BY SOURCE"
    if isinstance(node, ast.Constraint):
        if node.generated_kind == "v":
            return 18, "VIRTUAL generated columns"
        if node.without_overlaps or node.fk_with_period or node.pk_with_period:
            return 18, "WITHOUT OVERLAPS / PERIOD keys"
    if isinstance(node, ast.ReturningClause) and node.options:
        return 18, "RETURNING OLD / NEW"
    return None


def newer_syntax(node: Any, major: int) -> str | None:
    """Why ``node`` cannot be judged against a server of ``major`` (its grammar is older), or None."""
    if major >= 18:
        return None
    for n in iter_nodes(node):
        found = _feature(n)
        if found is not None and found[0] > major:
            return (
                f"not judged: uses {found[1]}, new in PostgreSQL {found[0]}; the target runs PostgreSQL {major}, "
                "whose parser only the server (or a rehearsal on it) can consult"
            )
    return None
