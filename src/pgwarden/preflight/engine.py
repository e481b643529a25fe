"""The statement-level engine: each statement is checked against the state, then applied to it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

import psycopg
from pglast import ast

from pgwarden.parsing.source import SqlSyntaxError, parse_sql
from pgwarden.parsing.walk import enum_name
from pgwarden.pg.conn import read_only
from pgwarden.preflight import (
    aggregates,
    coverage,
    dml,
    drops,
    existence,
    grammar,
    live,
    references,
    roles,
    routines,
    sequences,
    table_rules,
    tables,
    triggers,
    views,
)
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.model import CatalogState
from pgwarden.preflight.names import strings
from pgwarden.preflight.prediction import Prediction, Refusal, ok
from pgwarden.preflight.resolve import Resolver
from pgwarden.rules import Rule

# Errors the grammar itself raises with a SQLSTATE other than 42601 (syntax_error), by message.
_GRAMMAR_CODES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), c)
    for p, c in (
        (r"^CREATE OR REPLACE CONSTRAINT TRIGGER is not supported$", "0A000"),
        (r"^CREATE SCHEMA IF NOT EXISTS cannot include schema elements$", "0A000"),
        (r"^a column list with SET (NULL|DEFAULT) is only supported for ON DELETE actions$", "0A000"),
        (r"^column number must be in range from 1 to \d+$", "22023"),
        (r'^unrecognized partitioning strategy ".*"$', "22023"),
    )
)


def statement_kind(node: Any) -> str:
    """A short human name for the statement, e.g. "CREATE OR REPLACE FUNCTION"."""
    name = type(node).__name__
    rep = "OR REPLACE " if getattr(node, "replace", False) else ""
    if isinstance(node, ast.CreateFunctionStmt):
        return f"CREATE {rep}{'PROCEDURE' if node.is_procedure else 'FUNCTION'}"
    if isinstance(node, ast.DefineStmt):
        return f"CREATE {rep}{enum_name(node.kind).removeprefix('OBJECT_')}"
    if isinstance(node, ast.ViewStmt):
        return f"CREATE {rep}VIEW"
    if isinstance(node, ast.CreateTrigStmt):
        return f"CREATE {rep}{'CONSTRAINT ' if node.isconstraint else ''}TRIGGER"
    if isinstance(node, ast.DropStmt):
        return "DROP " + enum_name(node.removeType).removeprefix("OBJECT_").replace("_", " ")
    return {"DoStmt": "DO", "CallStmt": "CALL"}.get(name, name.removesuffix("Stmt"))


# Refusals that depend on which objects exist: uncertain after a statement whose effects are not followed.
_EXISTENCE_RULES = (
    Rule.PREFLIGHT_MISSING,
    Rule.PREFLIGHT_EXISTS,
    Rule.PREFLIGHT_COLUMN_MISSING,
    Rule.PREFLIGHT_COLUMN_EXISTS,
    Rule.PREFLIGHT_TYPE_MISSING,
    Rule.PREFLIGHT_WRONG_KIND,
)


def check(node: Any, ctx: Ctx) -> Prediction:
    """Predict one statement and apply its effect to ``ctx.state``. Never raises Refusal."""
    newer = grammar.newer_syntax(node, ctx.major)
    if newer is not None:
        _mark_opaque(node, ctx)
        return ok(unjudged=newer)
    try:
        p = _dispatch(node, ctx)
        if p.ok and p.modeled:
            gap = coverage.unjudged(node, ctx)
            if gap is not None:
                p = replace(p, unjudged=gap)
    except Refusal as r:
        p = r.prediction
        if not p.sqlstate:  # could not be evaluated: no prediction
            return ok(exact=False, note=p.message)
        if ctx.state.opaque and p.rule in _EXISTENCE_RULES:
            p = replace(
                p, exact=False, note=f"after {ctx.state.opaque}, objects may differ from what preflight follows"
            )
    _mark_opaque(node, ctx)
    return p


def _mark_opaque(node: Any, ctx: Ctx) -> None:
    """DO blocks, CALLs and DROP ... CASCADE change objects preflight cannot follow."""
    kind = type(node).__name__
    if kind in ("DoStmt", "CallStmt"):
        ctx.state.opaque = f"{statement_kind(node)} in {ctx.origin}"
    elif kind == "DropStmt" and enum_name(node.behavior) == "DROP_CASCADE":
        ctx.state.opaque = f"DROP ... CASCADE in {ctx.origin}"


_NO_TRANSACTION = {
    "IndexStmt": "CREATE INDEX CONCURRENTLY",
    "DropStmt": "DROP INDEX CONCURRENTLY",
    "ReindexStmt": "REINDEX CONCURRENTLY",
}


def _outside_transaction(node: Any, ctx: Ctx) -> None:
    """Statements the server refuses inside a transaction block (a bundle is one): 25001."""
    kind = type(node).__name__
    what = None
    if kind in _NO_TRANSACTION and getattr(node, "concurrent", False):
        what = _NO_TRANSACTION[kind]
    elif kind in ("CreatedbStmt", "DropdbStmt", "CreateTableSpaceStmt", "DropTableSpaceStmt", "AlterSystemStmt"):
        what = {
            "CreatedbStmt": "CREATE DATABASE",
            "DropdbStmt": "DROP DATABASE",
            "AlterSystemStmt": "ALTER SYSTEM",
            "CreateTableSpaceStmt": "CREATE TABLESPACE",
            "DropTableSpaceStmt": "DROP TABLESPACE",
        }[kind]
    elif kind == "VacuumStmt" and node.is_vacuumcmd:
        what = "VACUUM"
    if what is not None and ctx.in_transaction_block:
        raise Refusal(
            Rule.PREFLIGHT_TRANSACTION_BLOCK,
            "25001",
            f"{what} cannot run inside a transaction block",
            fix="run this statement in a bundle of its own marked non-transactional, or outside pgwarden",
        )


def _dispatch(node: Any, ctx: Ctx) -> Prediction:
    _outside_transaction(node, ctx)
    kind = type(node).__name__
    if kind == "DefineStmt":
        obj = enum_name(node.kind)
        if obj == "OBJECT_AGGREGATE":
            return aggregates.define_aggregate(node, ctx)
        if obj == "OBJECT_TYPE":  # a base type (completing a shell) or, without a definition, a shell type
            return existence.create_type(
                strings(node.defnames), ctx, "type", shell=not node.definition, base=bool(node.definition)
            )
        return ok(modeled=False)
    if kind == "CreateSeqStmt":
        return sequences.create_sequence(node, ctx)
    if kind == "CompositeTypeStmt":
        tv = node.typevar
        cols = [
            (c, ctx.resolver.type_of(c.typeName))
            for c in node.coldeflist or ()
            if isinstance(c, ast.ColumnDef) and c.typeName is not None
        ]  # types resolve first
        p = existence.create_type((tv.schemaname, tv.relname) if tv.schemaname else (tv.relname,), ctx, "type")
        for col, t in cols:
            table_rules.check_column(col, t, ctx)
        return p
    if kind in ("CreateEnumStmt", "CreateRangeStmt"):
        return existence.create_type(strings(node.typeName), ctx, "type")
    if kind == "CreateDomainStmt":
        return existence.create_type(strings(node.domainname), ctx, "domain")
    if kind == "AlterObjectSchemaStmt":
        return existence.set_schema(node, ctx)
    handler = _HANDLERS.get(kind)
    return handler(node, ctx) if handler is not None else ok(modeled=False)


def _set(node: Any, ctx: Ctx) -> Prediction:
    """SET [LOCAL] search_path: later names resolve along the new path."""
    if roles.handles(node):
        return roles.set_role(node, ctx)
    if (node.name or "").lower() == "check_function_bodies":
        return _check_bodies(node, ctx)
    if (node.name or "").lower() != "search_path":
        return ok(modeled=False)
    kind = enum_name(node.kind)
    if kind == "VAR_SET_VALUE":
        items = []
        for a in node.args or ():
            v = a.val if isinstance(a, ast.A_Const) else None
            if isinstance(v, ast.String):
                items.append('"' + (v.sval or "").replace('"', '""') + '"')
        value = ", ".join(items)
    elif kind in ("VAR_SET_DEFAULT", "VAR_RESET"):
        value = ctx.state.live.search_path
    else:
        return ok(modeled=False)
    if node.is_local:
        ctx.state.local_search_path = value
    else:
        ctx.state.search_path_setting = value
    return ok()


def _check_bodies(node: Any, ctx: Ctx) -> Prediction:
    """SET check_function_bodies: bodies are then syntax-checked or not (unknown values: not followed)."""
    kind = enum_name(node.kind)
    if kind in ("VAR_SET_DEFAULT", "VAR_RESET"):
        ctx.state.check_bodies = True
        return ok()
    arg = node.args[0] if kind == "VAR_SET_VALUE" and node.args else None
    val = getattr(arg, "val", None) if isinstance(arg, ast.A_Const) else None
    word = ((val.sval or "") if isinstance(val, ast.String) else str(getattr(val, "ival", ""))).lower()
    if word in ("on", "true", "yes", "1", "off", "false", "no", "0"):
        ctx.state.check_bodies = word in ("on", "true", "yes", "1")
        return ok()
    return ok(modeled=False)


_HANDLERS: dict[str, Callable[[Any, Ctx], Prediction]] = {
    "CreateFunctionStmt": routines.create_function,
    "ViewStmt": views.create_view,
    "CreateTableAsStmt": tables.create_table_as,
    "CreateStmt": tables.create_table,
    "AlterTableStmt": tables.alter_table,
    "CreateTrigStmt": triggers.create_trigger,
    "DropStmt": existence.drop,
    "IndexStmt": existence.create_index,
    "CreateSchemaStmt": existence.create_schema,
    "CreateExtensionStmt": existence.create_extension,
    "RenameStmt": existence.rename,
    "AlterFunctionStmt": existence.alter_function,
    "GrantStmt": existence.grant,
    "VariableSetStmt": _set,
    "AlterSeqStmt": references.alter_sequence,
    "CommentStmt": references.comment,
    "DropUserMappingStmt": drops.drop_user_mapping,
    "UpdateStmt": dml.update,
    "InsertStmt": dml.insert,
    "AlterDomainStmt": drops.alter_domain,
}


def syntax_prediction(message: str) -> Prediction:
    code = next((c for p, c in _GRAMMAR_CODES if p.match(message)), "42601")
    return Prediction(
        False, code, message, rule=Rule.PREFLIGHT_SYNTAX, fix="fix the statement: PostgreSQL's parser rejects it"
    )


def load_state(cur: psycopg.Cursor[Any], texts: Iterable[str]) -> CatalogState:
    """A fresh state holding the live facts for every name the statements mention."""
    return CatalogState(live.load(cur, live.names_in_sql(texts)))


def predict(conn: psycopg.Connection[Any], sql: str, *, state: CatalogState | None = None) -> tuple[Prediction, ...]:
    """Predict, statement by statement, what the server will do with ``sql`` (read-only, rolled back).

    With ``state``, statements are checked against it (and it is updated), so a sequence of calls
    behaves like consecutive statements; without, the live catalog is the starting point.
    """
    try:
        stmts = parse_sql(sql, "<sql>")
    except SqlSyntaxError as exc:
        return (syntax_prediction(exc.pg_message).with_index(0, "syntax error"),)
    nodes = [s.node for s in stmts]
    in_block = conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    with read_only(conn) as cur:
        if state is None:
            state = load_state(cur, [s.text for s in stmts])
        else:
            live.extend(cur, state.live, live.names_in_sql(s.text for s in stmts))
        ctx = Ctx(state, Resolver(cur, state), in_transaction_block=in_block)
        return simulate(ctx, nodes)


def simulate(ctx: Ctx, nodes: Sequence[Any], origin: str = "statement") -> tuple[Prediction, ...]:
    out = []
    for i, node in enumerate(nodes):
        ctx.origin = origin
        out.append(check(node, ctx).with_index(i, statement_kind(node)))
    return tuple(out)
