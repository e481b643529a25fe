"""CREATE [OR REPLACE] VIEW: the new column list must extend the old one unchanged.

The new view's columns (name, type, typmod, collation) are worked out by the live server without
running the query: the query is prepared and described inside the read-only transaction, and the
collation of each collatable column is learnt from parse analysis (see Resolver.collation_of).
checkViewTupleDesc()'s order: fewer columns, then per column in position order: name, type/typmod,
collation (PostgreSQL 15 and newer).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pglast import ast

from pgwarden.preflight import lookup
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.model import Column, Relation
from pgwarden.preflight.names import deparse, strings
from pgwarden.preflight.prediction import Prediction, Refusal, ok
from pgwarden.preflight.tables import put_with_row_type
from pgwarden.rules import Rule

RENAME_HINT = "Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead."


def create_view(stmt: Any, ctx: Ctx) -> Prediction:
    schema, name = lookup.rv(stmt.view)
    sql = deparse(stmt.query)
    columns, pred = lookup.describe_query(stmt.query, ctx, "view")
    _query_rules(stmt.query)
    if columns is not None and stmt.aliases:
        names = [a.sval for a in stmt.aliases]
        if len(names) > len(columns):
            raise Refusal(Rule.PREFLIGHT_QUERY, "42601", "CREATE VIEW specifies more column names than columns")
        columns = tuple(replace(c, name=names[i]) if i < len(names) else c for i, c in enumerate(columns))
    ns = ctx.creation_schema(schema, temp=stmt.view.relpersistence == "t")
    ctx.require_create(ns)
    target = f"view {ns}.{name}"
    old = ctx.state.relation(ns, name)
    exact = pred is None
    if old is not None:
        if stmt.replace:
            ctx.state.act_on(old)
        facts = lookup.existing_facts(old, f"{ns}.{name}")
        if not stmt.replace:
            raise Refusal(
                Rule.PREFLIGHT_EXISTS,
                "42P07",
                f'relation "{name}" already exists',
                facts=facts,
                fix="use CREATE OR REPLACE VIEW, or drop the existing relation first",
                target=target,
            )
        lookup.require_owner(old, ctx)
        if old.relkind != "v":
            raise Refusal(
                Rule.PREFLIGHT_VIEW_NOT_A_VIEW,
                "42809",
                f'"{name}" is not a view',
                facts=facts,
                fix=f"{ns}.{name} is a {lookup.RELKIND_OBJECT.get(old.relkind, 'relation')}: "
                "choose another name, or drop it first",
                target=target,
            )
        if columns is not None and old.columns is not None:
            columns = _check_columns(old, columns, sql, ctx, facts, target)
        else:
            exact = False
    elif columns is not None and ctx.major >= 15:
        columns = tuple(_with_collation(c, i, columns, sql, ctx) for i, c in enumerate(columns))
    _options(stmt, ctx)
    put_with_row_type(
        ctx, Relation(ns, name, "v", columns, origin=ctx.origin, owner=old.owner if old else ctx.state.user())
    )
    if pred is not None and old is not None:
        return replace(pred, target=target)
    return ok(target=target, exact=exact)


_BOOL_WORDS = {"true", "false", "on", "off", "yes", "no", "1", "0", "t", "f", "y", "n"}


def _query_rules(query: Any) -> None:
    """DefineView()'s checks right after parse analysis."""
    if getattr(query, "intoClause", None) is not None:
        raise Refusal(Rule.PREFLIGHT_QUERY, "0A000", "views must not contain SELECT INTO")
    with_clause = getattr(query, "withClause", None)
    for cte in getattr(with_clause, "ctes", None) or ():
        if not isinstance(getattr(cte, "ctequery", None), ast.SelectStmt):
            raise Refusal(
                Rule.PREFLIGHT_QUERY,
                "0A000",
                "views must not contain data-modifying statements in WITH",
                fix="a view's WITH may only hold SELECTs",
            )


def _option_text(arg: Any) -> str | None:
    """defGetString(): how the server reads an option's value."""
    if arg is None:
        return "true"
    if isinstance(arg, ast.TypeName):
        return ".".join(strings(arg.names))
    if isinstance(arg, ast.String):
        return arg.sval
    if isinstance(arg, ast.Integer):
        return str(arg.ival)
    if isinstance(arg, ast.Boolean):
        return "true" if arg.boolval else "false"
    return None


def _options(stmt: Any, ctx: Ctx) -> None:
    """view_reloptions(): the names a view accepts, and boolean values for the boolean ones."""
    known = {"check_option", "security_barrier", *(("security_invoker",) if ctx.major >= 15 else ())}
    for d in stmt.options or ():
        if not isinstance(d, ast.DefElem) or d.defnamespace:
            continue
        name = (d.defname or "").lower()
        if name not in known:
            raise Refusal(
                Rule.PREFLIGHT_VIEW_OPTION,
                "22023",
                f'unrecognized parameter "{d.defname}"',
                fix=f"views accept only {', '.join(sorted(known))}",
            )
        value = _option_text(d.arg)
        if name != "check_option" and isinstance(value, str) and value.lower() not in _BOOL_WORDS:
            raise Refusal(Rule.PREFLIGHT_VIEW_OPTION, "22023", f'invalid value for boolean option "{name}": {value}')


def _with_collation(c: Column, i: int, cols: tuple[Column, ...], sql: str, ctx: Ctx) -> Column:
    return replace(c, collation=ctx.resolver.collation_of(sql, len(cols), i, c))


def _check_columns(
    old: Relation, new: tuple[Column, ...], sql: str, ctx: Ctx, facts: dict[str, Any], target: str
) -> tuple[Column, ...]:
    olds = old.columns or ()
    old_list = ", ".join(f"{c.name} {c.display}" for c in olds)
    if len(new) < len(olds):
        raise Refusal(
            Rule.PREFLIGHT_VIEW_COLUMNS_DROPPED,
            "42P16",
            "cannot drop columns from view",
            facts=facts,
            fix=f"keep every existing column, in order ({old_list}); new columns may only be added at the end",
            target=target,
        )
    out = list(new)
    for i, oc in enumerate(olds):
        nc = new[i]
        if nc.name != oc.name:
            raise Refusal(
                Rule.PREFLIGHT_VIEW_COLUMN_RENAMED,
                "42P16",
                f'cannot change name of view column "{oc.name}" to "{nc.name}"',
                hint=RENAME_HINT,
                facts=facts,
                target=target,
                fix=f"keep column {i + 1} named {oc.name} (`... AS {oc.name}`); existing columns: {old_list}",
            )
        if nc.type != oc.type or nc.typmod != oc.typmod:
            new_display = ctx.resolver.display(nc.type, nc.typmod)
            raise Refusal(
                Rule.PREFLIGHT_VIEW_COLUMN_TYPE,
                "42P16",
                f'cannot change data type of view column "{oc.name}" from {oc.display} to {new_display}',
                facts=facts,
                target=target,
                fix=f"cast column {oc.name} back to {oc.display} (`{oc.name}::{oc.display}`)",
            )
        if ctx.major >= 15:
            coll = ctx.resolver.collation_of(sql, len(new), i, nc)
            out[i] = replace(nc, collation=coll)
            if coll is not None and oc.collation is not None and coll != oc.collation:
                raise Refusal(
                    Rule.PREFLIGHT_VIEW_COLUMN_COLLATION,
                    "42P16",
                    f'cannot change collation of view column "{oc.name}" from "{oc.collation}" to "{coll}"',
                    facts=facts,
                    target=target,
                    fix=f'keep collation "{oc.collation}" on column {oc.name} (`{oc.name} COLLATE "{oc.collation}"`)',
                )
    return tuple(out)
