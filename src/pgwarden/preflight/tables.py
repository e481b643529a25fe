"""CREATE TABLE, CREATE TABLE AS / MATERIALIZED VIEW and ALTER TABLE: existence of relations and columns."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pglast import ast

from pgwarden.preflight import dependencies, implicit_drops, lookup, table_rules
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.model import Column, Relation, TypeInfo
from pgwarden.preflight.names import qualified, quote_ident
from pgwarden.preflight.prediction import Prediction, Refusal, ok
from pgwarden.rules import Rule

# serial pseudo-types: an integer column whose default is nextval() of a sequence made with it
SERIAL_TYPES = {
    "smallserial": "int2",
    "serial2": "int2",
    "serial": "int4",
    "serial4": "int4",
    "bigserial": "int8",
    "serial8": "int8",
}


def column_type(tn: Any, ctx: Ctx) -> TypeInfo:
    """A column's type: serial pseudo-types are integers (plus a sequence), as transformColumnDefinition has it."""
    names = [n.sval for n in tn.names or () if isinstance(n, ast.String)]
    if (
        not tn.pct_type
        and not tn.arrayBounds
        and (len(names) == 1 or names[:1] == ["pg_catalog"])
        and names[-1] in SERIAL_TYPES
    ):
        tn = ast.TypeName(names=(ast.String(sval="pg_catalog"), ast.String(sval=SERIAL_TYPES[names[-1]])))
    return ctx.resolver.type_of(tn)


def _exists_refusal(rel: Relation, ctx: Ctx, what: str = "relation") -> Refusal:
    return Refusal(
        Rule.PREFLIGHT_EXISTS,
        "42P07",
        f'relation "{rel.name}" already exists',
        fix=f"use CREATE {what.upper()} IF NOT EXISTS, or drop/rename the existing "
        f"{lookup.RELKIND_OBJECT.get(rel.relkind, 'relation')} first "
        f"({'live catalog' if rel.origin == 'live' else 'created by ' + rel.origin})",
        facts={"object": f"{rel.schema}.{rel.name}", "relkind": rel.relkind, **dict(rel.facts)},
    )


def row_type(ctx: Ctx, schema: str, name: str, relkind: str) -> TypeInfo:
    display = qualified(schema, name, ctx.state.effective_path())
    return TypeInfo(f"new:{schema}.{name}", schema, name, display, False, f"new:{schema}._{name}", relkind)


def put_with_row_type(ctx: Ctx, rel: Relation) -> None:
    ctx.state.put_relation(rel)
    ctx.state.put_type(row_type(ctx, rel.schema, rel.name, rel.relkind))
    arr = TypeInfo(
        f"new:{rel.schema}._{rel.name}",
        rel.schema,
        f"_{rel.name}",
        qualified(rel.schema, rel.name, ctx.state.effective_path()) + "[]",
        elem_ref=f"new:{rel.schema}.{rel.name}",
    )
    ctx.state.put_type(arr)


def create_table(stmt: Any, ctx: Ctx) -> Prediction:
    schema, name = lookup.rv(stmt.relation)
    ns = ctx.creation_schema(schema, temp=stmt.relation.relpersistence == "t")
    ctx.require_create(ns)
    existing = ctx.state.relation(ns, name)
    if existing is not None and stmt.if_not_exists:
        return ok(target=f"table {ns}.{name}", note="exists: skipped (IF NOT EXISTS)")
    if ns == "pg_catalog":
        raise Refusal(
            Rule.PREFLIGHT_PERMISSION,
            "42501",
            f'permission denied to create "pg_catalog.{name}"',
            detail="System catalog modifications are currently disallowed.",
            fix="create the table in a schema of your own",
        )
    table_rules.typed_table(stmt, ctx)
    cols: list[Column] | None = []
    fks: list[Any] = []
    for elt in stmt.tableElts or ():
        if isinstance(elt, ast.Constraint):
            fks.append(elt)
        if isinstance(elt, ast.ColumnDef):
            fks += list(elt.constraints or ())
            if elt.typeName is None:
                cols = None
                continue
            t = column_type(elt.typeName, ctx)
            table_rules.check_column(elt, t, ctx)
            if cols is not None:
                cols.append(Column(elt.colname or "", t.ref, -1, None, t.display))
        elif isinstance(elt, ast.TableLikeClause):
            cols = None
    if stmt.inhRelations or stmt.ofTypename is not None or stmt.partbound is not None:
        cols = None
    if existing is not None:
        raise _exists_refusal(existing, ctx, "table")
    clash = ctx.state.type_in(ns, name)
    if clash is not None:
        raise Refusal(
            Rule.PREFLIGHT_EXISTS,
            "42710",
            f'type "{name}" already exists',
            hint="A relation has an associated type of the same name, so you must use a name that "
            "doesn't conflict with any existing type.",
            fix=f"choose another table name: a type {ns}.{name} exists",
        )
    for con in fks:  # after the table itself: the server adds its foreign keys last
        table_rules.check_foreign_key(
            con, ctx, creating=name, local=[c.name for c in cols] if cols is not None else None
        )
    kind = "p" if stmt.partspec is not None else "r"
    put_with_row_type(
        ctx,
        Relation(ns, name, kind, tuple(cols) if cols is not None else None, origin=ctx.origin, owner=ctx.state.user()),
    )
    return ok(target=f"table {ns}.{name}")


def create_table_as(stmt: Any, ctx: Ctx) -> Prediction:
    into = stmt.into
    schema, name = lookup.rv(into.rel)
    matview = str(getattr(stmt.objtype, "name", stmt.objtype)).endswith("MATVIEW")
    what = "materialized view" if matview else "table"
    ns = ctx.creation_schema(schema, temp=into.rel.relpersistence == "t")
    existing = ctx.state.relation(ns, name)
    if existing is not None and stmt.if_not_exists:
        return ok(target=f"{what} {ns}.{name}", note="exists: skipped (IF NOT EXISTS)")
    columns, pred = lookup.describe_query(stmt.query, ctx, what)
    ctx.require_create(ns)
    if existing is not None:
        raise _exists_refusal(existing, ctx, what)
    if pred is not None:  # its columns cannot be known here; the relation exists all the same
        put_with_row_type(
            ctx, Relation(ns, name, "m" if matview else "r", None, origin=ctx.origin, owner=ctx.state.user())
        )
        return pred
    if columns is not None and into.colNames and len(into.colNames) > len(columns):
        raise Refusal(
            Rule.PREFLIGHT_QUERY,
            "42601",
            "too many column names were specified",
            fix=f"the query returns {len(columns)} column(s): name at most that many",
        )
    if columns is not None and into.colNames:
        names = [c.sval for c in into.colNames]
        columns = tuple(replace(c, name=names[i]) if i < len(names) else c for i, c in enumerate(columns))
    put_with_row_type(
        ctx, Relation(ns, name, "m" if matview else "r", columns, origin=ctx.origin, owner=ctx.state.user())
    )
    return ok(target=f"{what} {ns}.{name}")


_COLUMN_CMDS = {
    "AT_AlterColumnType",
    "AT_ColumnDefault",
    "AT_SetNotNull",
    "AT_DropNotNull",
    "AT_SetStatistics",
    "AT_SetOptions",
    "AT_ResetOptions",
    "AT_SetStorage",
    "AT_SetCompression",
    "AT_DropIdentity",
    "AT_AddIdentity",
    "AT_SetIdentity",
    "AT_DropExpression",
    "AT_SetExpression",
}


_SYSTEM_COLUMNS = table_rules.SYSTEM_COLUMNS


def alter_table(stmt: Any, ctx: Ctx) -> Prediction:
    schema, name = lookup.rv(stmt.relation)
    rel = lookup.relation(schema, name, ctx, missing_ok=bool(stmt.missing_ok))
    if rel is None:
        return ok(note="relation missing: skipped (IF EXISTS)")
    ctx.state.act_on(rel)
    lookup.require_owner(rel, ctx)
    target = f"{lookup.RELKIND_OBJECT.get(rel.relkind, 'relation')} {rel.schema}.{rel.name}"
    cols = list(rel.columns) if rel.columns is not None else None
    exact = cols is not None
    cons = set(rel.constraints) if rel.constraints is not None else None
    live = rel.origin == "live" and rel.oid is not None
    for cmd in stmt.cmds or ():
        if not isinstance(cmd, ast.AlterTableCmd):
            continue
        sub = getattr(cmd.subtype, "name", str(cmd.subtype))
        cascade = getattr(cmd.behavior, "name", "") == "DROP_CASCADE"
        if sub in ("AT_AddConstraint", "AT_DropConstraint"):
            _constraint(sub, cmd, rel, cons, target)
            if sub == "AT_AddConstraint":
                table_rules.check_foreign_key(
                    cmd.def_,
                    ctx,
                    local=[c.name for c in cols] if cols is not None else None,
                    altering=(rel.schema, rel.name),
                )
            if sub == "AT_DropConstraint" and live and cmd.name in (rel.constraints or ()):
                dependencies.check_drop(ctx, "pg_class", rel.oid, conname=cmd.name, cascade=cascade)
        elif sub == "AT_AddColumn" and isinstance(cmd.def_, ast.ColumnDef):
            colname = cmd.def_.colname or ""
            if cols is not None and any(c.name == colname for c in cols):
                if cmd.missing_ok:
                    continue
                raise Refusal(
                    Rule.PREFLIGHT_COLUMN_EXISTS,
                    "42701",
                    f'column "{colname}" of relation "{rel.name}" already exists',
                    fix=f"use ADD COLUMN IF NOT EXISTS, or drop this statement: {rel.schema}.{rel.name}."
                    f"{quote_ident(colname)} already exists",
                    facts={"object": f"{rel.schema}.{rel.name}", "columns": _cols_text(cols)},
                    target=target,
                )
            if colname in _SYSTEM_COLUMNS:
                raise Refusal(
                    Rule.PREFLIGHT_SYSTEM_COLUMN,
                    "42701",
                    f'column name "{colname}" conflicts with a system column name',
                    fix="choose another column name",
                    target=target,
                )
            t = column_type(cmd.def_.typeName, ctx)
            table_rules.check_column(cmd.def_, t, ctx)
            for con in cmd.def_.constraints or ():
                table_rules.check_foreign_key(con, ctx, altering=(rel.schema, rel.name))
            if cols is not None:
                cols.append(Column(colname, t.ref, -1, None, t.display))
        elif sub == "AT_DropColumn" or sub in _COLUMN_CMDS:
            if sub == "AT_DropColumn" and cmd.name in _SYSTEM_COLUMNS:
                raise Refusal(
                    Rule.PREFLIGHT_SYSTEM_COLUMN,
                    "0A000",
                    f'cannot drop system column "{cmd.name}"',
                    fix="system columns cannot be dropped",
                    target=target,
                )
            if cols is None or cmd.name is None:
                continue
            colname = cmd.name
            hit = next((c for c in cols if c.name == colname), None)
            if hit is None:
                if sub == "AT_DropColumn" and cmd.missing_ok:
                    continue
                raise Refusal(
                    Rule.PREFLIGHT_COLUMN_MISSING,
                    "42703",
                    f'column "{colname}" of relation "{rel.name}" does not exist',
                    fix=(
                        "use DROP COLUMN IF EXISTS, or drop this statement"
                        if sub == "AT_DropColumn"
                        else "add the column first, or fix its name"
                    )
                    + f": {rel.schema}.{rel.name} has no column {quote_ident(colname)}",
                    facts={"object": f"{rel.schema}.{rel.name}", "columns": _cols_text(cols)},
                    target=target,
                )
            if sub == "AT_DropColumn":
                on_server = live and rel.column(colname) is not None
                if on_server:
                    dependencies.check_drop(ctx, "pg_class", rel.oid, attname=colname, cascade=cascade)
                dropped = implicit_drops.drop_column_dependents(ctx, rel, colname, live=on_server)
                if cons is not None:
                    cons -= dropped
                cols.remove(hit)
            elif sub == "AT_AlterColumnType" and isinstance(cmd.def_, ast.ColumnDef) and cmd.def_.typeName:
                t = ctx.resolver.type_of(cmd.def_.typeName)
                if live and rel.column(colname) is not None:
                    dependencies.check_column_type(ctx, rel.oid, colname)
                cols[cols.index(hit)] = Column(colname, t.ref, -1, None, t.display)
    ctx.state.put_relation(
        replace(
            rel,
            columns=tuple(cols) if cols is not None else None,
            constraints=frozenset(cons) if cons is not None else None,
        )
    )
    return ok(target=target, exact=exact)


def _constraint(sub: str, cmd: Any, rel: Relation, cons: set[str] | None, target: str) -> None:
    """ADD CONSTRAINT of a taken name (CHECK / FOREIGN KEY; index-backed ones collide differently) and
    DROP CONSTRAINT of a missing one. ``cons`` (the names, when known) is updated in place."""
    if cons is None:
        return
    if sub == "AT_DropConstraint":
        if cmd.name in cons:
            cons.discard(cmd.name)
        elif not cmd.missing_ok:
            raise Refusal(
                Rule.PREFLIGHT_MISSING,
                "42704",
                f'constraint "{cmd.name}" of relation "{rel.name}" does not exist',
                fix=f"use DROP CONSTRAINT IF EXISTS, or fix the name: {rel.schema}.{rel.name} has "
                f"{', '.join(sorted(cons)) or 'no constraints'}",
                target=target,
            )
        return
    con = cmd.def_
    name = getattr(con, "conname", None)
    if not isinstance(con, ast.Constraint) or not name:
        return
    contype = getattr(con.contype, "name", "")
    if name in cons and contype in ("CONSTR_CHECK", "CONSTR_FOREIGN"):
        # An inherited CHECK of the same name and expression is merged, not refused: not certain.
        raise Refusal(
            Rule.PREFLIGHT_EXISTS,
            "42710",
            f'constraint "{name}" for relation "{rel.name}" already exists',
            fix=f"choose another constraint name, or drop {name} first",
            target=target,
            exact=contype != "CONSTR_CHECK",
        )
    cons.add(name)


def _cols_text(cols: list[Column]) -> str:
    return ", ".join(f"{c.name} {c.display}" for c in cols)
