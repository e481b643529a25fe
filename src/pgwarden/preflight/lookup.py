"""Finding existing routines and relations the way DROP / ALTER / GRANT do, with their exact errors."""

from __future__ import annotations

from typing import Any

from pglast import ast

from pgwarden.preflight.context import Ctx
from pgwarden.preflight.live import collect_names
from pgwarden.preflight.model import Column, Relation, Routine, Trigger, TypeRef
from pgwarden.preflight.names import deparse, name_list, split_qualified, strings
from pgwarden.preflight.prediction import Prediction, Refusal, ok
from pgwarden.rules import Rule

# With argument lists every routine kind is found, then refused by kind; by bare name, a kind filters.
_BARE_KINDS = {"function": {"f", "w", "a"}, "procedure": {"p"}, "aggregate": {"a"}, "routine": {"f", "w", "a", "p"}}
_NONEXISTENT_WORD = {"function": "function", "procedure": "procedure", "aggregate": "aggregate", "routine": "function"}
_NAMED_WORD = {
    "function": "a function",
    "procedure": "a procedure",
    "aggregate": "an aggregate",
    "routine": "a function",
}

# A routine found by its argument types but of another kind than the statement names: (message, fix).
_NOT_A = {
    "function": ("{sig} is not a function", "is a procedure: say PROCEDURE"),
    "procedure": ("{sig} is not a procedure", "is a function: say FUNCTION"),
    "aggregate": ("function {sig} is not an aggregate", "is not an aggregate: say FUNCTION"),
}

RELKIND_OBJECT = {
    "r": "table",
    "p": "table",
    "v": "view",
    "m": "materialized view",
    "S": "sequence",
    "i": "index",
    "I": "index",
    "f": "foreign table",
    "c": "type",
}


def func_signature(parts: tuple[str, ...], displays: list[str]) -> str:
    """func_signature_string(): the name as written, argument types separated by ", "."""
    return f"{name_list(parts)}({', '.join(displays)})"


def routine(owa: Any, mode: str, ctx: Ctx, missing_ok: bool = False) -> Routine | None:
    """LookupFuncWithArgs() for ``mode`` in function, procedure, aggregate, routine."""
    parts = strings(owa.objname)
    schema, name = split_qualified(parts)
    if missing_ok and schema is not None and ctx.state.schema(schema) is None:
        return None  # IF EXISTS: a missing schema, like a missing routine, is only a notice
    ctx.schema_of(schema)
    schemas = [schema] if schema else ctx.state.effective_path()
    if owa.args_unspecified:
        seen: dict[tuple[TypeRef, ...], Routine] = {}
        for s in schemas:
            for r in ctx.state.routines_named(s, name):
                if r.input_types not in seen:
                    seen[r.input_types] = r
        found = [r for r in seen.values() if r.kind in _BARE_KINDS[mode]]
        if not found:
            if missing_ok:
                return None
            raise Refusal(
                Rule.PREFLIGHT_MISSING,
                "42883",
                f'could not find {_NAMED_WORD[mode]} named "{name_list(parts)}"',
                fix="use IF EXISTS, or create it first: no such routine exists at this point",
            )
        if len(found) > 1:
            word = mode
            raise Refusal(
                Rule.PREFLIGHT_AMBIGUOUS,
                "42725",
                f'{word} name "{name_list(parts)}" is not unique',
                hint=f"Specify the argument list to select the {word} unambiguously.",
                fix="give the argument list: " + ", ".join(r.signature for r in found),
            )
        return found[0]
    try:
        types = [ctx.resolver.type_of(t) for t in owa.objargs or ()]
    except Refusal:
        if missing_ok:  # IF EXISTS with an argument type (or its schema) that does not exist: a notice
            return None
        raise
    key = tuple(t.ref for t in types)
    sig = func_signature(parts, [ctx.resolver.display(t.ref) for t in types])
    hit = None
    for s in schemas:
        hit = ctx.state.routine(s, name, key)
        if hit is not None:
            break
    if mode in ("procedure", "routine"):
        hit = _by_all_arguments(schemas, name, owa, ctx, hit)
    if hit is None:
        if missing_ok:
            return None
        raise Refusal(
            Rule.PREFLIGHT_MISSING,
            "42883",
            f"{_NONEXISTENT_WORD[mode]} {sig} does not exist",
            fix="use IF EXISTS, or check the name and argument types against the catalog",
        )
    if mode in _NOT_A and hit.kind not in _BARE_KINDS[mode]:
        message, fix = _NOT_A[mode]
        raise Refusal(Rule.PREFLIGHT_WRONG_KIND, "42809", message.format(sig=sig), fix=f"{hit.signature} {fix}")
    return hit


def _by_all_arguments(schemas: list[str], name: str, owa: Any, ctx: Ctx, hit: Routine | None) -> Routine | None:
    """A procedure's OUT arguments are part of its signature (PostgreSQL 14 and later): ``DROP PROCEDURE
    p(int, int, int)`` finds ``p(OUT int, int, int)`` when exactly one procedure has those argument types."""
    fparams = [a for a in owa.objfuncargs or () if isinstance(a, ast.FunctionParameter)]
    modes = {getattr(a.mode, "value", a.mode) for a in fparams}
    if modes - {"d"}:  # modes written out: OUT arguments say which match is meant
        if "o" not in modes:
            return hit
        try:
            marked = tuple(
                (getattr(a.mode, "value", a.mode) == "o", ctx.resolver.type_of(a.argType).ref) for a in fparams
            )
        except Refusal:
            return None
        found = [
            r
            for s in schemas
            for r in ctx.state.routines_named(s, name)
            if r.kind == "p" and tuple((p.mode == "o", p.type) for p in r.params if p.mode != "t") == marked
        ]
        return found[0] if len(found) == 1 else None
    args = [a.argType for a in fparams] or list(owa.objargs or ())
    try:
        key = tuple(ctx.resolver.type_of(t).ref for t in args)
    except Refusal:
        return hit
    found = [
        r
        for s in schemas
        for r in ctx.state.routines_named(s, name)
        if r.kind == "p" and tuple(p.type for p in r.params if p.mode != "t") == key
    ]
    if hit is not None and not any(r is hit for r in found):  # matched by its input types, and another by all
        found = [hit, *found]
    if len(found) > 1:
        raise Refusal(
            Rule.PREFLIGHT_AMBIGUOUS,
            "42725",
            f'procedure name "{name_list(strings(owa.objname))}" is not unique',
            hint="Specify the argument list to select the procedure unambiguously.",
            fix="give the argument modes (IN/OUT) too: " + ", ".join(r.signature for r in found),
        )
    return found[0] if found else hit


def relation(rv_schema: str | None, relname: str, ctx: Ctx, missing_ok: bool = False) -> Relation | None:
    """RangeVarGetRelid(): 'relation "x" does not exist' (qualified as written). With ``missing_ok`` a
    missing schema is no error either (IF EXISTS: the server only notices)."""
    if missing_ok and rv_schema is not None and ctx.state.schema(rv_schema) is None:
        return None
    ctx.schema_of(rv_schema)
    rel = ctx.state.find_relation(rv_schema, relname)
    if rel is None and not missing_ok:
        shown = f"{rv_schema}.{relname}" if rv_schema else relname
        raise Refusal(
            Rule.PREFLIGHT_MISSING,
            "42P01",
            f'relation "{shown}" does not exist',
            fix="use IF EXISTS, or create it first: no such relation exists at this point",
        )
    return rel


def require_owner(rel: Relation, ctx: Ctx, word: str | None = None) -> None:
    """``must be owner of table t``; some commands (DROP TRIGGER) say "relation"."""
    if not ctx.owns(rel):
        raise Refusal(
            Rule.PREFLIGHT_PERMISSION,
            "42501",
            f"must be owner of {word or RELKIND_OBJECT.get(rel.relkind, 'relation')} {rel.name}",
            fix=f"apply as {rel.owner or 'the owner'} (or a member of that role)",
            facts={"object": f"{rel.schema}.{rel.name}", "owner": rel.owner},
        )


def require_routine_owner(r: Routine, ctx: Ctx, word: str) -> None:
    """``must be owner of function f``, in the word of the command (function, procedure, aggregate)."""
    if not ctx.owns(r):
        raise Refusal(
            Rule.PREFLIGHT_PERMISSION,
            "42501",
            f"must be owner of {word} {r.name}",
            fix=f"apply as {r.owner or 'the owner'}",
        )


def existing_facts(old: Relation | Trigger, name: str, **more: object) -> dict[str, Any]:
    """What a refusal says of the object already there: its name, where it comes from, and its facts."""
    source = "live catalog" if old.origin == "live" else f"defined earlier by {old.origin}"
    return {"object": name, "source": source, **more, **dict(old.facts)}


def rv(node: Any) -> tuple[str | None, str]:
    return (node.schemaname or None, node.relname)


def describe_query(query: Any, ctx: Ctx, what: str) -> tuple[tuple[Column, ...] | None, Prediction | None]:
    """The query's result columns; or a prediction (its analysis error, or "cannot verify")."""
    touched = collect_names([query]) & ctx.state.touched
    if touched:
        return None, ok(
            exact=False,
            note=f"{what} query refers to objects this package changes earlier "
            f"({', '.join(sorted(touched))}); compared with the live catalog only "
            "where they are unaffected",
        )
    d = ctx.resolver.describe(deparse(query))
    if d.error is not None:
        raise Refusal.server(
            Rule.PREFLIGHT_QUERY, d.error, f"fix the {what}'s query: the server rejects it against the live catalog"
        )
    return d.columns, None
