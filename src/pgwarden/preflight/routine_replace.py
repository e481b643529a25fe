"""CREATE OR REPLACE against an existing routine with the same key: ProcedureCreate()'s checks, in its
order (not owner, kind changed, return type / set-ness or a procedure's output parameters, the OUT
parameters' row type for RETURNS record, renamed input parameters, fewer defaults, a default's type), and
the facts about the existing routine that a refusal shows."""

from __future__ import annotations

from typing import Any

from pglast import parse_sql

from pgwarden.preflight.context import Ctx
from pgwarden.preflight.model import POLYMORPHIC_OIDS, RECORD_OID, Param, Routine, TypeRef
from pgwarden.preflight.names import quote_ident
from pgwarden.preflight.prediction import Refusal
from pgwarden.preflight.routine_signatures import routine_signature
from pgwarden.rules import Rule

_KIND_DETAIL = {
    "a": "is an aggregate function",
    "f": "is a function",
    "p": "is a procedure",
    "w": "is a window function",
}
KIND_WORD = {"a": "AGGREGATE", "f": "FUNCTION", "p": "PROCEDURE", "w": "FUNCTION"}


def routine_facts(ctx: Ctx, r: Routine) -> dict[str, Any]:
    """The existing routine as seed 000 probed it (live), or the bundle that defined it."""
    if r.origin == "live" and r.oid is not None:
        live = ctx.resolver.routine_facts(r.oid)
        keys = ("identity_args", "full_args", "body_md5", "body_len", "prosecdef", "proconfig")
        return {
            "object": f"{quote_ident(r.schema)}.{r.signature}",
            "source": "live catalog",
            **{k: live.get(k) for k in keys},
            "owner": r.owner,
        }
    return {
        "object": f"{quote_ident(r.schema)}.{r.signature}",
        "source": f"defined earlier by {r.origin}",
        "full_args": ", ".join(p.text for p in r.params),
    }


def _default_expr(ctx: Ctx, r: Routine, p: Param) -> str | None:
    if not p.has_default:
        return None
    if p.default_expr is not None or p.default_node is not None or r.oid is None:
        return p.text.split(" DEFAULT ", 1)[1]
    defaults = ctx.resolver.routine_facts(r.oid).get("defaults") or []
    i = r.params.index(p)
    return defaults[i] if i < len(defaults) else None


def param_text(ctx: Ctx, r: Routine, p: Param) -> str:
    """A parameter with its default, as pg_get_function_arguments prints it."""
    expr = _default_expr(ctx, r, p)
    return f"{p.head} DEFAULT {expr}" if expr is not None else p.head


def _result_text(r: Routine, ctx: Ctx) -> str:
    if r.origin == "live" and r.oid is not None:
        result = ctx.resolver.routine_facts(r.oid).get("result")
        if result:
            return str(result)
    return ("SETOF " if r.retset else "") + ctx.resolver.display(r.rettype)


def check_existing(old: Routine, new: Routine, is_replace: bool, ctx: Ctx, target: str, exact: bool = True) -> bool:
    """ProcedureCreate()'s checks against an existing routine with the same key. Returns exactness."""
    name = new.name
    if not is_replace:
        raise Refusal(
            Rule.PREFLIGHT_EXISTS,
            "42723",
            f'function "{name}" already exists with same argument types',
            fix=f"use CREATE OR REPLACE, or drop {routine_signature(ctx, old)} first (it exists: {_where(old)})",
            target=target,
            facts=routine_facts(ctx, old),
        )
    if not ctx.owns(old):
        raise Refusal(
            Rule.PREFLIGHT_REPLACE_NOT_OWNER,
            "42501",
            f"must be owner of function {name}",
            fix=f"apply as {old.owner or 'the owner'} (or a member of that role): CREATE OR REPLACE "
            "keeps the existing owner",
            target=target,
            facts=routine_facts(ctx, old),
        )
    if old.kind != new.kind:
        raise Refusal(
            Rule.PREFLIGHT_REPLACE_KIND_CHANGED,
            "42809",
            "cannot change routine kind",
            detail=f'"{name}" {_KIND_DETAIL.get(old.kind, "")}.',
            fix=f"use another name, or DROP {KIND_WORD.get(old.kind, 'FUNCTION')} {routine_signature(ctx, old)} first",
            target=target,
            facts=routine_facts(ctx, old),
        )
    dropcmd = f"DROP {KIND_WORD[new.kind]}"
    if not _differs(old, new):
        return exact
    sig = routine_signature(ctx, old)
    hint = f"Use {dropcmd} {sig} first."
    drop_fix = f"{dropcmd} {sig} first (drops its grants and fails if other objects depend on it)"
    if old.rettype is None or new.rettype is None:
        exact = False
    elif old.rettype != new.rettype or old.retset != new.retset:
        if new.kind == "p":
            raise Refusal(
                Rule.PREFLIGHT_REPLACE_RETURN_TYPE,
                "42P13",
                "cannot change whether a procedure has output parameters",
                hint=hint,
                fix=f"keep the output parameters as they are ({_outs_text(old) or 'none'}), or {drop_fix}",
                exact=exact,
                target=target,
                facts=routine_facts(ctx, old),
            )
        raise Refusal(
            Rule.PREFLIGHT_REPLACE_RETURN_TYPE,
            "42P13",
            "cannot change return type of existing function",
            hint=hint,
            fix=f"keep RETURNS {_result_text(old, ctx)}, or {drop_fix}",
            exact=exact,
            target=target,
            facts=routine_facts(ctx, old),
        )
    if new.rettype == RECORD_OID and _out_desc(old) != _out_desc(new):
        raise Refusal(
            Rule.PREFLIGHT_REPLACE_OUT_ROW_TYPE,
            "42P13",
            "cannot change return type of existing function",
            detail="Row type defined by OUT parameters is different.",
            hint=hint,
            fix=f"keep the output parameters exactly ({_outs_text(old) or 'none'}): names and types, or {drop_fix}",
            exact=exact,
            target=target,
            facts=routine_facts(ctx, old),
        )
    old_names, new_names = _input_names(old), _input_names(new)
    for j, old_name in enumerate(old_names):
        if old_name is None:
            continue
        if j >= len(new_names) or new_names[j] != old_name:
            raise Refusal(
                Rule.PREFLIGHT_REPLACE_PARAM_RENAMED,
                "42P13",
                f'cannot change name of input parameter "{old_name}"',
                hint=hint,
                fix=f"keep the input parameter name `{old_name}` (parameter {j + 1}): CREATE OR REPLACE "
                f"cannot rename input parameters; to rename it, {drop_fix}",
                exact=exact,
                target=target,
                facts=routine_facts(ctx, old),
            )
    if old.n_defaults:
        if new.n_defaults < old.n_defaults:
            keep = [
                param_text(ctx, old, o)
                for o, n in zip(old.inputs, new.inputs, strict=False)
                if o.has_default and not n.has_default
            ]
            raise Refusal(
                Rule.PREFLIGHT_REPLACE_DEFAULTS_REMOVED,
                "42P13",
                "cannot remove parameter defaults from existing function",
                hint=hint,
                fix="keep "
                + ", ".join(f"`{k}`" for k in keep)
                + ": CREATE OR REPLACE cannot remove parameter defaults",
                exact=exact,
                target=target,
                facts=routine_facts(ctx, old),
            )
        for o, n in zip(old.inputs, new.inputs, strict=False):
            if not o.has_default:
                continue
            o_type = _default_type(old, o, ctx)
            if o_type is None or n.default_type is None:
                exact = False
            elif o_type != n.default_type:
                raise Refusal(
                    Rule.PREFLIGHT_REPLACE_DEFAULT_TYPE,
                    "42P13",
                    "cannot change data type of existing parameter default value",
                    hint=hint,
                    fix=f"keep `{param_text(ctx, old, o)}`: the default's data type "
                    f"({ctx.resolver.display(o_type)}) cannot change",
                    exact=exact,
                    target=target,
                    facts=routine_facts(ctx, old),
                )
    return exact


def _differs(old: Routine, new: Routine) -> bool:
    """A cheap pre-test: could any of the later checks fire? (Most replacements change only the body.)"""
    if old.rettype != new.rettype or old.retset != new.retset or old.rettype is None or new.rettype is None:
        return True
    if [(p.name, p.mode, p.type) for p in old.params] != [(p.name, p.mode, p.type) for p in new.params]:
        return True
    return any(
        o.has_default and (not n.has_default or (n.default_type is not None and _poly(n)))
        for o, n in zip(old.inputs, new.inputs, strict=False)
    )


def _poly(p: Param) -> bool:
    return isinstance(p.type, int) and p.type in POLYMORPHIC_OIDS


def _where(r: Routine) -> str:
    return "live catalog" if r.origin == "live" else f"created by {r.origin}"


def _outs_text(r: Routine) -> str:
    return ", ".join(p.text for p in r.outputs)


def _out_desc(r: Routine) -> tuple[tuple[str, TypeRef], ...] | None:
    """build_function_result_tupdesc(): the row type OUT parameters define (None: not defined by them)."""
    outs = r.outputs
    if not outs or (len(outs) < 2 and r.kind != "p"):
        return None
    return tuple((p.name or f"column{i + 1}", p.type) for i, p in enumerate(outs))


def _input_names(r: Routine) -> list[str | None]:
    """get_func_input_arg_names(): empty when no parameter at all is named."""
    if not any(p.name for p in r.params):
        return []
    return [p.name for p in r.inputs]


def _default_type(r: Routine, p: Param, ctx: Ctx) -> TypeRef | None:
    if p.default_type is not None or r.origin != "live":
        return p.default_type
    info = ctx.resolver.type_info(p.type)
    if info is not None and not info.polymorphic:
        return p.type
    expr = _default_expr(ctx, r, p)
    if expr is None:
        return None
    try:
        select: Any = parse_sql(f"SELECT {expr}")[0].stmt
        node = select.targetList[0].val
    except Exception:
        return None
    return ctx.resolver.expr_type(node)
