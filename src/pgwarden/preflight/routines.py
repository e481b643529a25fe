"""CREATE [OR REPLACE] FUNCTION / PROCEDURE / AGGREGATE: PostgreSQL's rules, in PostgreSQL's order.

The existing routine is found by schema, name and input argument types (IN, INOUT, VARIADIC); a new
key is a new overload. Against an existing routine the checks run in ProcedureCreate()'s order: not
owner, kind changed, return type / set-ness (or, for a procedure, output parameters), the OUT
parameters' row type for RETURNS record, renamed input parameters, fewer defaults, a default's type;
then, for aggregates, AggregateCreate()'s kind and number of direct arguments.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pglast import ast, parse_sql

from pgwarden.preflight import bodies, coercion
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.model import (
    INPUT_MODES,
    OUTPUT_MODES,
    POLYMORPHIC_OIDS,
    RECORD_OID,
    VOID_OID,
    Param,
    Routine,
    TypeRef,
)
from pgwarden.preflight.names import qualified, quote_ident, split_qualified, strings
from pgwarden.preflight.prediction import Prediction, Refusal, ok
from pgwarden.rules import Rule

_MODE = {"d": "i", "i": "i", "o": "o", "b": "b", "v": "v", "t": "t"}
_MODE_WORD = {"o": "OUT ", "b": "INOUT ", "v": "VARIADIC ", "t": ""}
_KIND_DETAIL = {
    "a": "is an aggregate function",
    "f": "is a function",
    "p": "is a procedure",
    "w": "is a window function",
}
_AGGKIND_DETAIL = {
    "n": "is an ordinary aggregate function",
    "o": "is an ordered-set aggregate",
    "h": "is a hypothetical-set aggregate",
}
_KIND_WORD = {"a": "AGGREGATE", "f": "FUNCTION", "p": "PROCEDURE", "w": "FUNCTION"}


def _mode(fp: Any) -> str:
    m = fp.mode
    return _MODE[m.value if hasattr(m, "value") else str(m)]


def _params(fps: Any, ctx: Ctx, is_procedure: bool) -> tuple[Param, ...]:
    """interpret_function_parameter_list(): types, duplicate names and default placement."""
    out: list[Param] = []
    have_defaults = False
    for fp in fps or ():
        mode = _mode(fp)
        t = ctx.resolver.type_of(fp.argType, quoted=False)
        is_in, is_out = mode in INPUT_MODES, mode in OUTPUT_MODES
        if fp.name:
            for prev in out:
                if prev.name == fp.name and (
                    (is_in and prev.mode in INPUT_MODES) or (is_out and prev.mode in OUTPUT_MODES)
                ):
                    raise Refusal(
                        Rule.PREFLIGHT_CREATE_INVALID, "42P13", f'parameter name "{fp.name}" used more than once'
                    )
        head = _MODE_WORD.get(mode, "") + (f"{quote_ident(fp.name)} " if fp.name else "") + t.display
        if fp.defexpr is not None:
            if not is_in:
                raise Refusal(Rule.PREFLIGHT_CREATE_INVALID, "42P13", "only input parameters can have default values")
            if not t.polymorphic:
                coercion.check_default(fp.defexpr, t, ctx)
            dtype: TypeRef | None = ctx.resolver.expr_type(fp.defexpr) if t.polymorphic else t.ref
            have_defaults = True
            out.append(Param(fp.name or None, mode, t.ref, True, dtype, head, None, fp.defexpr))
            continue
        if is_in and have_defaults:
            raise Refusal(
                Rule.PREFLIGHT_CREATE_INVALID,
                "42P13",
                "input parameters after one with a default value must also have defaults",
            )
        if is_procedure and have_defaults:
            raise Refusal(
                Rule.PREFLIGHT_CREATE_INVALID,
                "42P13",
                "procedure OUT parameters cannot appear after one with a default value",
            )
        out.append(Param(fp.name or None, mode, t.ref, False, None, head))
    return tuple(out)


def _option(stmt: Any, name: str) -> Any:
    for d in stmt.options or ():
        if isinstance(d, ast.DefElem) and d.defname == name:
            return d.arg if d.arg is not None else True
    return None


def _signature(ctx: Ctx, schema: str, name: str, types: tuple[TypeRef, ...]) -> str:
    """format_procedure(): the name qualified unless the routine is visible, argument types unspaced."""
    path = ctx.state.effective_path()
    visible = False
    for s in path:
        if ctx.state.routine(s, name, types) is not None or s == schema:
            visible = s == schema
            break
    shown = quote_ident(name) if visible else qualified(schema, name)
    return f"{shown}({','.join(ctx.resolver.display(t) for t in types)})"


def _plain_signature(ctx: Ctx, name: str, types: tuple[TypeRef, ...]) -> str:
    """A label for a routine the package defines (messages use routine_signature())."""
    return f"{quote_ident(name)}({','.join(ctx.state.type_display(t) for t in types)})"


def routine_signature(ctx: Ctx, r: Routine) -> str:
    return _signature(ctx, r.schema, r.name, r.input_types)


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
    params = _params(stmt.parameters, ctx, is_proc)
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
        _plain_signature(ctx, name, tuple(p.type for p in params if p.mode in INPUT_MODES)),
        ctx.origin,
    )
    old = ctx.state.routine(ns, name, new.input_types)
    target = f"{_KIND_WORD[kind].lower()} {new.signature}"
    if old is not None:
        ctx.state.act_on(old)
        exact = _check_existing(old, new, bool(stmt.replace), ctx, target) and exact
        new = replace(new, owner=old.owner)
    bodies.check_body_syntax(stmt, ctx)
    ctx.state.put_routine(new)
    return ok(target=target, exact=exact)


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
    params = tuple(replace(p, mode="v" if p.mode == "v" else "i") for p in _params(fps, ctx, False))
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
        _plain_signature(ctx, name, tuple(p.type for p in params)),
        ctx.origin,
        aggkind=aggkind,
        aggnumdirectargs=ndirect,
    )
    old = ctx.state.routine(ns, name, new.input_types)
    target = f"aggregate {new.signature}"
    if old is not None:
        ctx.state.act_on(old)
        exact = _check_existing(old, new, bool(stmt.replace), ctx, target, exact) and exact
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


def _check_existing(old: Routine, new: Routine, is_replace: bool, ctx: Ctx, target: str, exact: bool = True) -> bool:
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
            fix=f"use another name, or DROP {_KIND_WORD.get(old.kind, 'FUNCTION')} {routine_signature(ctx, old)} first",
            target=target,
            facts=routine_facts(ctx, old),
        )
    dropcmd = f"DROP {_KIND_WORD[new.kind]}"
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
