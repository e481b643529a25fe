"""CREATE [OR REPLACE] FUNCTION / PROCEDURE: PostgreSQL's rules, in PostgreSQL's order.

The existing routine is found by schema, name and input argument types (IN, INOUT, VARIADIC); a new
key is a new overload. The parameter list and the signature are read in :mod:`routine_signatures`; the
checks against an existing routine (ProcedureCreate()'s order) are in :mod:`routine_replace`; CREATE
AGGREGATE, with AggregateCreate()'s own checks, is in :mod:`aggregates`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pglast import ast

from pgwarden.preflight import bodies
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.model import INPUT_MODES, OUTPUT_MODES, RECORD_OID, VOID_OID, Routine, TypeRef
from pgwarden.preflight.names import split_qualified, strings
from pgwarden.preflight.prediction import Prediction, Refusal, ok
from pgwarden.preflight.routine_replace import KIND_WORD, check_existing
from pgwarden.preflight.routine_signatures import parameters, plain_signature
from pgwarden.rules import Rule


def _option(stmt: Any, name: str) -> Any:
    for d in stmt.options or ():
        if isinstance(d, ast.DefElem) and d.defname == name:
            return d.arg if d.arg is not None else True
    return None


_NOT_FOR_PROCEDURES = ("strict", "volatility", "leakproof", "cost", "rows", "support", "parallel", "window")


def routine_attributes(options: Any, procedure: bool, ctx: Ctx) -> None:
    """Attributes a procedure cannot have (42P13), and LEAKPROOF, which only a superuser may set (42501)."""
    names = {d.defname: d.arg for d in options or () if isinstance(d, ast.DefElem) and d.defname}
    if procedure and any(n in names for n in _NOT_FOR_PROCEDURES):
        raise Refusal(
            Rule.PREFLIGHT_CREATE_INVALID,
            "42P13",
            "invalid attribute in procedure definition",
            fix="procedures take SECURITY and SET only: drop "
            + ", ".join(n.upper() for n in names if n in _NOT_FOR_PROCEDURES),
        )
    leak = names.get("leakproof")
    if (
        leak is not None
        and bool(getattr(leak, "boolval", True))
        and not ctx.state.live.superuser
        and ctx.state.user() == ctx.state.live.current_user
    ):
        raise Refusal(
            Rule.PREFLIGHT_PERMISSION,
            "42501",
            "only superuser can define a leakproof function",
            fix="drop LEAKPROOF, or have a superuser create the function",
        )


def create_function(stmt: Any, ctx: Ctx) -> Prediction:
    schema, name = split_qualified(strings(stmt.funcname))
    ns = ctx.creation_schema(schema)
    ctx.require_create(ns)
    routine_attributes(stmt.options, bool(stmt.is_procedure), ctx)
    bodies.check_language(stmt, ctx)
    is_proc = bool(stmt.is_procedure)
    params = parameters(stmt.parameters, ctx, is_proc)
    outs = [p for p in params if p.mode in OUTPUT_MODES]
    exact = True
    if is_proc:
        rettype: TypeRef | None = RECORD_OID if outs else VOID_OID
        retset = False
    else:
        required: TypeRef | None = None if not outs else (outs[0].type if len(outs) == 1 else RECORD_OID)
        if stmt.returnType is not None:
            lang = str(_option(stmt, "language") or "").lower()
            try:
                rt = ctx.resolver.type_of(stmt.returnType)
            except Refusal as r:
                if lang in ("c", "internal") and r.prediction.sqlstate == "42704":
                    raise Refusal(
                        Rule.PREFLIGHT_UNVERIFIED, "", "return type is created as a shell type", exact=False
                    ) from None
                raise
            if required is not None and rt.ref != required:
                raise Refusal(
                    Rule.PREFLIGHT_CREATE_INVALID,
                    "42P13",
                    f"function result type must be {ctx.resolver.display(required)} because of OUT parameters",
                )
            rettype, retset = rt.ref, bool(stmt.returnType.setof)
        else:
            if required is None:
                raise Refusal(Rule.PREFLIGHT_CREATE_INVALID, "42P13", "function result type must be specified")
            rettype, retset = required, False
    bodies.check_sql_body(stmt, params)
    kind = "p" if is_proc else ("w" if _option(stmt, "window") else "f")
    new = Routine(
        ns,
        name,
        kind,
        params,
        rettype,
        retset,
        True,
        ctx.state.user(),
        plain_signature(ctx, name, tuple(p.type for p in params if p.mode in INPUT_MODES)),
        ctx.origin,
    )
    old = ctx.state.routine(ns, name, new.input_types)
    target = f"{KIND_WORD[kind].lower()} {new.signature}"
    if old is not None:
        ctx.state.act_on(old)
        exact = check_existing(old, new, bool(stmt.replace), ctx, target) and exact
        new = replace(new, owner=old.owner)
    bodies.check_body_syntax(stmt, ctx)
    ctx.state.put_routine(new)
    return ok(target=target, exact=exact)
