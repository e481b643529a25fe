"""CREATE AGGREGATE: the parameters, the support functions (sfunc, combinefunc, finalfunc) found with
exactly their argument types, and, against an existing aggregate, ProcedureCreate()'s checks and then
AggregateCreate()'s: the aggregate kind and the number of direct arguments."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pglast import ast

from pgwarden.preflight.context import Ctx
from pgwarden.preflight.model import Param, Routine, TypeRef
from pgwarden.preflight.names import quote_ident, split_qualified, strings
from pgwarden.preflight.prediction import Prediction, Refusal, ok
from pgwarden.preflight.routine_replace import check_existing, routine_facts
from pgwarden.preflight.routine_signatures import parameters, plain_signature, routine_signature
from pgwarden.rules import Rule

_AGGKIND_DETAIL = {
    "n": "is an ordinary aggregate function",
    "o": "is an ordered-set aggregate",
    "h": "is a hypothetical-set aggregate",
}


def define_aggregate(stmt: Any, ctx: Ctx) -> Prediction:
    if stmt.oldstyle:
        return ok(modeled=False, note="old-style CREATE AGGREGATE is not checked")
    schema, name = split_qualified(strings(stmt.defnames))
    ns = ctx.creation_schema(schema)
    ctx.require_create(ns)
    fps, ndirect_node = (stmt.args or (None, None))[:2]
    ndirect = int(ndirect_node.ival or 0) if isinstance(ndirect_node, ast.Integer) else -1
    defs = {(d.defname or "").lower(): d.arg for d in stmt.definition or () if isinstance(d, ast.DefElem)}
    aggkind = "n" if ndirect < 0 else ("h" if "hypothetical" in defs else "o")
    ndirect = max(ndirect, 0)
    params = tuple(replace(p, mode="v" if p.mode == "v" else "i") for p in parameters(fps, ctx, False))
    exact = True
    rettype: TypeRef | None = None
    stype_node = defs.get("stype")
    if isinstance(stype_node, ast.TypeName):
        stype = ctx.resolver.type_of(stype_node).ref
        rettype = stype
        aggregated = params if aggkind == "n" else params[ndirect:]  # ordered-set: not the direct arguments
        _support_exists(defs.get("sfunc"), (stype, *(p.type for p in aggregated)), ctx)
        _support_exists(defs.get("combinefunc"), (stype, stype), ctx)
        final = defs.get("finalfunc")
        if final is not None:
            rettype = _final_rettype(final, stype, params, ndirect, aggkind, "finalfunc_extra" in defs, ctx)
    if rettype is None:
        exact = False
    new = Routine(
        ns,
        name,
        "a",
        params,
        rettype,
        False,
        True,
        ctx.state.user(),
        plain_signature(ctx, name, tuple(p.type for p in params)),
        ctx.origin,
        aggkind=aggkind,
        aggnumdirectargs=ndirect,
    )
    old = ctx.state.routine(ns, name, new.input_types)
    target = f"aggregate {new.signature}"
    if old is not None:
        ctx.state.act_on(old)
        exact = check_existing(old, new, bool(stmt.replace), ctx, target, exact) and exact
        sig = routine_signature(ctx, old)
        if old.kind == "a" and old.aggkind is not None and old.aggkind != aggkind:
            raise Refusal(
                Rule.PREFLIGHT_AGGREGATE_KIND_CHANGED,
                "42809",
                "cannot change routine kind",
                detail=f'"{name}" {_AGGKIND_DETAIL.get(old.aggkind, "")}.',
                fix=f"keep the aggregate's kind ({_AGGKIND_DETAIL.get(old.aggkind, '?')[3:]}), or "
                f"DROP AGGREGATE {sig} first",
                exact=exact,
                target=target,
                facts=routine_facts(ctx, old),
            )
        if old.kind == "a" and old.aggnumdirectargs is not None and old.aggnumdirectargs != ndirect:
            raise Refusal(
                Rule.PREFLIGHT_AGGREGATE_DIRECT_ARGS,
                "42P13",
                "cannot change number of direct arguments of an aggregate function",
                fix=f"keep {old.aggnumdirectargs} direct argument(s) before ORDER BY, or DROP AGGREGATE {sig} first",
                exact=exact,
                target=target,
                facts=routine_facts(ctx, old),
            )
        new = replace(new, owner=old.owner)
    ctx.state.put_routine(new)
    return ok(target=target, exact=exact)


def _support_exists(node: Any, args: tuple[TypeRef, ...], ctx: Ctx) -> None:
    """A support function named nowhere with those argument types (42883, the server's argument list). The
    server's own function resolution is asked, by describing a call of it with typed NULLs; any other answer
    (a coercion, a polymorphic or internal type) is left to the rehearsal."""
    if node is None:
        return
    names = strings(node.names) if isinstance(node, ast.TypeName) else strings(node)
    if not names:
        return
    displays = [ctx.resolver.display(a) for a in args]
    if any(d.startswith("any") or d == "internal" for d in displays):
        return  # polymorphic or internal: resolution depends on the aggregate's actual types
    call = ".".join(quote_ident(n) for n in names) + "(" + ", ".join(f"NULL::{d}" for d in displays) + ")"
    err = ctx.resolver.describe(f"SELECT {call}").error
    if err is not None and err.sqlstate == "42883" and err.message.startswith("function "):
        raise Refusal(
            Rule.PREFLIGHT_AGGREGATE_SUPPORT_MISSING,
            "42883",
            f"function {'.'.join(names)}({', '.join(displays)}) does not exist",
            fix=f"create {'.'.join(names)}({', '.join(displays)}) first, or fix the support function's name "
            "or the aggregate's types",
        )


def _final_rettype(
    final: Any, stype: TypeRef, params: tuple[Param, ...], ndirect: int, aggkind: str, extra: bool, ctx: Ctx
) -> TypeRef | None:
    """The aggregate's result type: the final function's, looked up with exactly its argument types."""
    names = strings(final.names) if isinstance(final, ast.TypeName) else strings(final)
    fschema, fname = split_qualified(names)
    inputs = [p.type for p in params]
    if extra:
        args = (stype, *inputs)
    elif aggkind == "n":
        args = (stype,)
    else:
        args = (stype, *inputs[:ndirect])
    for s in [fschema] if fschema else ctx.state.effective_path():
        r = ctx.state.routine(s, fname, tuple(args))
        if r is not None:
            info = ctx.resolver.type_info(r.rettype) if r.rettype is not None else None
            return None if info is None or info.polymorphic else r.rettype
    return None
