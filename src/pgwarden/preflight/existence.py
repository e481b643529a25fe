"""Objects must exist or be absent as the statements assume: CREATE without IF NOT EXISTS of something
that exists, DROP / ALTER / GRANT / RENAME of something missing without IF EXISTS, wrong object kinds."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pglast import ast

from pgwarden.parsing.walk import enum_name
from pgwarden.preflight import dependencies, lookup, references, triggers
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.drops import generic_drop
from pgwarden.preflight.implicit_drops import index_uses
from pgwarden.preflight.model import Relation, Routine, SchemaInfo, TypeInfo
from pgwarden.preflight.names import name_list, qualified, split_qualified, strings
from pgwarden.preflight.prediction import Prediction, Refusal, ok
from pgwarden.preflight.routines import routine_attributes
from pgwarden.rules import Rule

# DROP <kind>: (wanted relkinds, nonexistent sqlstate, nonexistent noun, "is not a" noun, drop hint)
_DROP_REL = {
    "OBJECT_TABLE": ({"r", "p"}, "42P01", "table", "a table"),
    "OBJECT_VIEW": ({"v"}, "42P01", "view", "a view"),
    "OBJECT_MATVIEW": ({"m"}, "42P01", "materialized view", "a materialized view"),
    "OBJECT_SEQUENCE": ({"S"}, "42P01", "sequence", "a sequence"),
    "OBJECT_INDEX": ({"i", "I"}, "42704", "index", "an index"),
    "OBJECT_FOREIGN_TABLE": ({"f"}, "42P01", "foreign table", "a foreign table"),
}
_DROP_HINT = {
    "r": "Use DROP TABLE to remove a table.",
    "p": "Use DROP TABLE to remove a table.",
    "v": "Use DROP VIEW to remove a view.",
    "m": "Use DROP MATERIALIZED VIEW to remove a materialized view.",
    "S": "Use DROP SEQUENCE to remove a sequence.",
    "i": "Use DROP INDEX to remove an index.",
    "I": "Use DROP INDEX to remove an index.",
    "f": "Use DROP FOREIGN TABLE to remove a foreign table.",
    "c": "Use DROP TYPE to remove a type.",
}
_DROP_ROUTINE = {
    "OBJECT_FUNCTION": "function",
    "OBJECT_PROCEDURE": "procedure",
    "OBJECT_AGGREGATE": "aggregate",
    "OBJECT_ROUTINE": "routine",
}


def drop(stmt: Any, ctx: Ctx) -> Prediction:
    kind = enum_name(stmt.removeType)
    missing_ok = bool(stmt.missing_ok)
    if stmt.concurrent and len(stmt.objects or ()) > 1:
        raise Refusal(
            Rule.PREFLIGHT_SYNTAX,
            "0A000",
            "DROP INDEX CONCURRENTLY does not support dropping multiple objects",
            fix="drop one index per statement",
        )
    cascade = enum_name(stmt.behavior) == "DROP_CASCADE"
    if kind not in _DROP_REL and kind not in _DROP_ROUTINE and kind not in _MODELED_DROPS:
        return generic_drop(stmt, kind, ctx, cascade)
    targets: list[str] = []
    ctx.pending = []
    try:
        for obj in stmt.objects or ():
            _drop_one(stmt, kind, obj, missing_ok, cascade, ctx, targets)
        pending, ctx.pending = ctx.pending, None
        dependencies.run_pending(ctx, pending)
    except _Unmodeled as u:
        return u.prediction
    finally:
        ctx.pending = None
    return ok(target=", ".join(t for t in targets if t) or None)


_MODELED_DROPS = ("OBJECT_TRIGGER", "OBJECT_SCHEMA", "OBJECT_TYPE", "OBJECT_DOMAIN", "OBJECT_EXTENSION")


class _Unmodeled(Exception):
    def __init__(self, prediction: Prediction) -> None:
        self.prediction = prediction


def _drop_one(stmt: Any, kind: str, obj: Any, missing_ok: bool, cascade: bool, ctx: Ctx, targets: list[str]) -> None:
    if kind in _DROP_REL:
        targets.append(_drop_relation(strings(obj), kind, missing_ok, ctx, cascade))
    elif kind in _DROP_ROUTINE:
        targets.append(_drop_routine(obj, _DROP_ROUTINE[kind], missing_ok, ctx, cascade))
    elif kind == "OBJECT_TRIGGER":
        triggers.drop_trigger(strings(obj), missing_ok, ctx, cascade)
    elif kind == "OBJECT_SCHEMA":
        name = str(obj.sval) if isinstance(obj, ast.String) else strings(obj)[-1]
        info = ctx.state.schema(name)
        if info is None:
            if not missing_ok:
                raise Refusal(
                    Rule.PREFLIGHT_MISSING,
                    "3F000",
                    f'schema "{name}" does not exist',
                    fix="use DROP SCHEMA IF EXISTS, or check the name",
                )
            return
        if name not in ctx.state.schemas:
            dependencies.check_drop(ctx, "pg_namespace", info.oid, cascade=cascade)
        ctx.state.schemas[name] = None
    elif kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
        tn = obj if isinstance(obj, ast.TypeName) else None
        if tn is None:
            raise _Unmodeled(ok(modeled=False))
        try:
            t = ctx.resolver.type_of(tn)
        except Refusal:
            if missing_ok:
                return
            raise
        if isinstance(t.ref, int):
            dependencies.check_drop(ctx, "pg_type", t.ref, cascade=cascade)
        ctx.state.drop_type(t)
    elif kind == "OBJECT_EXTENSION":
        name = str(obj.sval) if isinstance(obj, ast.String) else strings(obj)[-1]
        if not ctx.state.extension_exists(name):
            if not missing_ok:
                raise Refusal(
                    Rule.PREFLIGHT_MISSING,
                    "42704",
                    f'extension "{name}" does not exist',
                    fix="use DROP EXTENSION IF EXISTS, or check the name",
                )
            return
        ctx.state.extensions[name] = False
    else:
        raise AssertionError(kind)


def _drop_relation(parts: tuple[str, ...], kind: str, missing_ok: bool, ctx: Ctx, cascade: bool = False) -> str:
    relkinds, code, noun, nota = _DROP_REL[kind]
    schema, name = split_qualified(parts)
    if schema is not None and ctx.state.schema(schema) is None:
        if missing_ok:
            return ""
        raise Refusal(Rule.PREFLIGHT_MISSING, "3F000", f'schema "{schema}" does not exist')
    rel = ctx.state.find_relation(schema, name)
    if rel is None:
        if missing_ok:
            return ""
        raise Refusal(
            Rule.PREFLIGHT_MISSING,
            code,
            f'{noun} "{name}" does not exist',
            fix=f"use DROP {noun.upper()} IF EXISTS, or drop this statement: it does not exist at this point",
        )
    if rel.relkind not in relkinds:
        raise Refusal(
            Rule.PREFLIGHT_WRONG_KIND,
            "42809",
            f'"{name}" is not {nota}',
            hint=_DROP_HINT.get(rel.relkind),
            fix=f"{rel.schema}.{rel.name} is a {lookup.RELKIND_OBJECT.get(rel.relkind, 'relation')}",
            facts={"object": f"{rel.schema}.{rel.name}", "relkind": rel.relkind},
        )
    ctx.state.act_on(rel)
    lookup.require_owner(rel, ctx)
    if rel.origin == "live":
        dependencies.check_drop(ctx, "pg_class", rel.oid, cascade=cascade)
    ctx.state.drop_relation(rel)
    if rel.relkind in ("r", "p", "m", "f"):
        for other in _indexes_of(rel, ctx):
            ctx.state.drop_relation(other)
    return f"{noun} {rel.schema}.{rel.name}"


def _indexes_of(rel: Relation, ctx: Ctx) -> list[Relation]:
    keys = set(ctx.state.live.relations) | set(ctx.state.relations)
    out = []
    for s, n in keys:
        r = ctx.state.relation(s, n)
        if r is not None and r.relkind in ("i", "I") and s == rel.schema and r.table == rel.name:
            out.append(r)
    return out


def _drop_routine(owa: Any, mode: str, missing_ok: bool, ctx: Ctx, cascade: bool = False) -> str:
    r = lookup.routine(owa, mode, ctx, missing_ok)
    if r is None:
        return ""
    ctx.state.act_on(r)
    if mode == "function" and r.kind == "a":
        raise Refusal(
            Rule.PREFLIGHT_WRONG_KIND,
            "42809",
            f'"{name_list(strings(owa.objname))}" is an aggregate function',
            hint="Use DROP AGGREGATE to drop aggregate functions.",
            fix=f"use DROP AGGREGATE {r.signature}",
        )
    lookup.require_routine_owner(r, ctx, mode if mode != "routine" else "function")
    if r.origin == "live":
        dependencies.check_drop(ctx, "pg_proc", r.oid, cascade=cascade)
    ctx.state.drop_routine(r)
    return f"{mode} {r.signature}"


def alter_function(stmt: Any, ctx: Ctx) -> Prediction:
    kind = enum_name(stmt.objtype)
    mode = {"OBJECT_PROCEDURE": "procedure", "OBJECT_ROUTINE": "routine"}.get(kind, "function")
    r = lookup.routine(stmt.func, mode, ctx)
    assert r is not None
    ctx.state.act_on(r)
    if r.kind == "a":
        raise Refusal(
            Rule.PREFLIGHT_WRONG_KIND,
            "42809",
            f'"{name_list(strings(stmt.func.objname))}" is an aggregate function',
            fix=f"use ALTER AGGREGATE {r.signature}",
        )
    lookup.require_routine_owner(r, ctx, "procedure" if r.kind == "p" else "function")
    routine_attributes(stmt.actions, r.kind == "p", ctx)
    ctx.state.put_routine(r)
    return ok(target=r.signature)


def grant(stmt: Any, ctx: Ctx) -> Prediction:
    if enum_name(stmt.targtype) != "ACL_TARGET_OBJECT":
        return ok(modeled=False)
    kind = enum_name(stmt.objtype)
    for obj in stmt.objects or ():
        if kind in ("OBJECT_TABLE", "OBJECT_SEQUENCE") and isinstance(obj, ast.RangeVar):
            lookup.relation(*lookup.rv(obj), ctx)
        elif kind in ("OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE") and isinstance(obj, ast.ObjectWithArgs):
            lookup.routine(
                obj, {"OBJECT_FUNCTION": "function", "OBJECT_PROCEDURE": "procedure"}.get(kind, "routine"), ctx
            )
        elif kind == "OBJECT_SCHEMA" and isinstance(obj, ast.String):
            if ctx.state.schema(obj.sval or "") is None:
                raise Refusal(Rule.PREFLIGHT_MISSING, "3F000", f'schema "{obj.sval}" does not exist')
        else:
            return ok(modeled=False)
    return ok()


def create_schema(stmt: Any, ctx: Ctx) -> Prediction:
    name = stmt.schemaname or (stmt.authrole.rolename if stmt.authrole is not None else None)
    if name is None:
        return ok(modeled=False)
    if not ctx.state.live.can_create_schema and ctx.state.user() == ctx.state.live.current_user:
        raise Refusal(
            Rule.PREFLIGHT_PERMISSION,
            "42501",
            f"permission denied for database {ctx.state.live.database}",
            fix=f"GRANT CREATE ON DATABASE {ctx.state.live.database} to the applying role",
        )
    if ctx.state.schema(name) is not None:
        if stmt.if_not_exists:
            return ok(note="exists: skipped (IF NOT EXISTS)")
        raise Refusal(
            Rule.PREFLIGHT_EXISTS,
            "42P06",
            f'schema "{name}" already exists',
            fix="use CREATE SCHEMA IF NOT EXISTS, or drop this statement",
        )
    ctx.state.schemas[name] = SchemaInfo(name, True)
    ctx.state.touched.add(name)
    return ok(target=f"schema {name}")


def create_type(
    parts: tuple[str, ...], ctx: Ctx, kind_word: str, *, shell: bool = False, base: bool = False
) -> Prediction:
    """CREATE TYPE / DOMAIN: 'type "x" already exists' (a table's row type counts). A base type's
    definition may complete a shell type of the same name (``CREATE TYPE x;`` earlier)."""
    schema, name = split_qualified(parts)
    ns = ctx.creation_schema(schema)
    ctx.require_create(ns)
    existing = ctx.state.type_in(ns, name)
    if existing is not None and base and existing.shell:
        ctx.state.put_type(replace(existing, shell=False))
        return ok(target=f"{kind_word} {ns}.{name}", note="completes the shell type")
    if existing is not None:
        raise Refusal(
            Rule.PREFLIGHT_EXISTS,
            "42710",
            f'type "{name}" already exists',
            fix=f"drop this statement, or choose another name: a type {ns}.{name} exists",
        )
    display = qualified(ns, name, ctx.state.effective_path())
    ctx.state.put_type(TypeInfo(f"new:{ns}.{name}", ns, name, display, False, f"new:{ns}._{name}", shell=shell))
    ctx.state.put_type(TypeInfo(f"new:{ns}._{name}", ns, f"_{name}", display + "[]", elem_ref=f"new:{ns}.{name}"))
    return ok(target=f"{kind_word} {ns}.{name}")


def create_extension(stmt: Any, ctx: Ctx) -> Prediction:
    if ctx.state.extension_exists(stmt.extname):
        if stmt.if_not_exists:
            return ok(note="exists: skipped (IF NOT EXISTS)")
        raise Refusal(
            Rule.PREFLIGHT_EXISTS,
            "42710",
            f'extension "{stmt.extname}" already exists',
            fix="use CREATE EXTENSION IF NOT EXISTS",
        )
    if not ctx.ask("extension_available", {"name": stmt.extname}).get("available", True):
        raise Refusal(
            Rule.PREFLIGHT_EXTENSION_UNAVAILABLE,
            "0A000",
            f'extension "{stmt.extname}" is not available',
            fix=f"install the {stmt.extname} extension's package on the database server first "
            "(pg_available_extensions does not list it)",
        )
    ctx.state.extensions[stmt.extname] = True
    ctx.state.touched.add(stmt.extname)
    return ok(target=f"extension {stmt.extname}", exact=False, note="objects the extension creates are not known")


def create_relation_named(
    schema: str | None,
    name: str,
    relkind: str,
    if_not_exists: bool,
    ctx: Ctx,
    ns: str | None = None,
    table: str | None = None,
    uses: frozenset[str] | None = None,
) -> Prediction:
    """CREATE INDEX / SEQUENCE: 'relation "x" already exists' (42P07)."""
    ns = ns or ctx.creation_schema(schema)
    existing = ctx.state.relation(ns, name)
    word = lookup.RELKIND_OBJECT[relkind]
    if existing is not None:
        if if_not_exists:
            return ok(note="exists: skipped (IF NOT EXISTS)")
        raise Refusal(
            Rule.PREFLIGHT_EXISTS,
            "42P07",
            f'relation "{name}" already exists',
            fix=f"use CREATE {word.upper()} IF NOT EXISTS, or choose another name "
            f"({ns}.{name} is a {lookup.RELKIND_OBJECT.get(existing.relkind, 'relation')})",
        )
    ctx.state.put_relation(Relation(ns, name, relkind, None, origin=ctx.origin, table=table, uses=uses))
    return ok(target=f"{word} {ns}.{name}")


def create_index(stmt: Any, ctx: Ctx) -> Prediction:
    rel = lookup.relation(*lookup.rv(stmt.relation), ctx)
    assert rel is not None
    references.index_columns(stmt, rel)
    if not stmt.idxname:
        return ok(target=f"index on {rel.schema}.{rel.name}")
    return create_relation_named(
        None, stmt.idxname, "i", bool(stmt.if_not_exists), ctx, ns=rel.schema, table=rel.name, uses=index_uses(stmt)
    )


def rename(stmt: Any, ctx: Ctx) -> Prediction:
    kind = enum_name(stmt.renameType)
    if kind in _DROP_REL:
        rel = _owned_relation(stmt, ctx)
        if rel is None:
            return ok(note="missing: skipped (IF EXISTS)")
        clash = ctx.state.relation(rel.schema, stmt.newname)
        if clash is not None:
            raise Refusal(
                Rule.PREFLIGHT_EXISTS,
                "42P07",
                f'relation "{stmt.newname}" already exists',
                fix=f"choose another name: {rel.schema}.{stmt.newname} exists",
            )
        ctx.state.drop_relation(rel)
        ctx.state.put_relation(replace(rel, name=stmt.newname, origin=ctx.origin))
        return ok(target=f"{rel.schema}.{rel.name}")
    if kind == "OBJECT_COLUMN":
        rel = _owned_relation(stmt, ctx)
        if rel is None:
            return ok(note="missing: skipped (IF EXISTS)")
        if rel.columns is None:
            return ok(exact=False)
        if rel.column(stmt.subname) is None:
            raise Refusal(
                Rule.PREFLIGHT_COLUMN_MISSING,
                "42703",
                f'column "{stmt.subname}" does not exist',
                fix=f"{rel.schema}.{rel.name} has no column {stmt.subname}",
            )
        if rel.column(stmt.newname) is not None:
            raise Refusal(
                Rule.PREFLIGHT_COLUMN_EXISTS,
                "42701",
                f'column "{stmt.newname}" of relation "{rel.name}" already exists',
                fix=f"choose another name: {rel.schema}.{rel.name}.{stmt.newname} exists",
            )
        cols = tuple(replace(c, name=stmt.newname) if c.name == stmt.subname else c for c in rel.columns)
        ctx.state.put_relation(replace(rel, columns=cols))
        return ok(target=f"{rel.schema}.{rel.name}")
    if kind in _DROP_ROUTINE:
        r = lookup.routine(stmt.object, _DROP_ROUTINE[kind], ctx, missing_ok=bool(stmt.missing_ok))
        if r is None:
            return ok(note="missing: skipped (IF EXISTS)")
        _move_routine(r, r.schema, stmt.newname or "", ctx)
        return ok(target=r.signature)
    if kind == "OBJECT_SCHEMA":
        _require_schema(stmt.subname, ctx)
        if ctx.state.schema(stmt.newname) is not None:
            raise Refusal(Rule.PREFLIGHT_EXISTS, "42P06", f'schema "{stmt.newname}" already exists')
        return ok(exact=False, note="schema renames are not followed further")
    if kind == "OBJECT_TRIGGER":
        rel = lookup.relation(*lookup.rv(stmt.relation), ctx)
        assert rel is not None
        if ctx.state.trigger(rel.schema, rel.name, stmt.subname) is None:
            raise Refusal(
                Rule.PREFLIGHT_MISSING, "42704", f'trigger "{stmt.subname}" for table "{rel.name}" does not exist'
            )
        return ok(exact=False)
    return ok(modeled=False)


def _owned_relation(stmt: Any, ctx: Ctx) -> Relation | None:
    """The relation an ALTER … RENAME or SET SCHEMA names, which the applying role must own (None: it is missing
    and the statement says IF EXISTS)."""
    rel = lookup.relation(*lookup.rv(stmt.relation), ctx, missing_ok=bool(stmt.missing_ok))
    if rel is not None:
        ctx.state.act_on(rel)
        lookup.require_owner(rel, ctx)
    return rel


def _require_schema(name: str, ctx: Ctx) -> None:
    if ctx.state.schema(name) is None:
        raise Refusal(Rule.PREFLIGHT_MISSING, "3F000", f'schema "{name}" does not exist')


def _move_routine(r: Routine, schema: str, name: str, ctx: Ctx) -> None:
    """RENAME TO / SET SCHEMA of a routine: the new key must be free; the owner may do it."""
    ctx.state.act_on(r)
    lookup.require_routine_owner(
        r, ctx, "procedure" if r.kind == "p" else ("aggregate" if r.kind == "a" else "function")
    )
    if ctx.state.routine(schema, name, r.input_types) is not None:
        args = ", ".join(ctx.resolver.display(t) for t in r.input_types)
        raise Refusal(
            Rule.PREFLIGHT_EXISTS,
            "42723",
            f'function {name}({args}) already exists in schema "{schema}"',
            fix=f"choose another name: {schema}.{name}({args}) exists",
        )
    ctx.state.drop_routine(r)
    ctx.state.put_routine(replace(r, schema=schema, name=name, origin=ctx.origin))


def set_schema(stmt: Any, ctx: Ctx) -> Prediction:
    """ALTER ... SET SCHEMA of a relation or a routine."""
    kind = enum_name(stmt.objectType)
    new = stmt.newschema or ""
    if kind in _DROP_ROUTINE:
        r = lookup.routine(stmt.object, _DROP_ROUTINE[kind], ctx, missing_ok=bool(stmt.missing_ok))
        if r is None:
            return ok(note="missing: skipped (IF EXISTS)")
        _require_schema(new, ctx)
        _move_routine(r, new, r.name, ctx)
        return ok(target=r.signature)
    if kind in _DROP_REL and stmt.relation is not None:
        rel = _owned_relation(stmt, ctx)
        if rel is None:
            return ok(note="missing: skipped (IF EXISTS)")
        _require_schema(new, ctx)
        if new == rel.schema:  # the server does nothing
            return ok(target=f"{rel.schema}.{rel.name}", note="already in that schema")
        if ctx.state.relation(new, rel.name) is not None:
            raise Refusal(
                Rule.PREFLIGHT_EXISTS,
                "42P07",
                f'relation "{rel.name}" already exists in schema "{new}"',
                fix=f"choose another schema or name: {new}.{rel.name} exists",
            )
        ctx.state.drop_relation(rel)
        ctx.state.put_relation(replace(rel, schema=new, origin=ctx.origin))
        return ok(target=f"{rel.schema}.{rel.name}")
    return ok(modeled=False)
