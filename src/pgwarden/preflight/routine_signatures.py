"""A routine's parameter list and signature, as CREATE FUNCTION / PROCEDURE / AGGREGATE read them:
interpret_function_parameter_list() (types, duplicate names, where defaults may stand) and
format_procedure() (the label messages use)."""

from __future__ import annotations

from typing import Any

from pgwarden.preflight import coercion
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.model import INPUT_MODES, OUTPUT_MODES, Param, Routine, TypeRef
from pgwarden.preflight.names import qualified, quote_ident
from pgwarden.preflight.prediction import Refusal
from pgwarden.rules import Rule

_MODE = {"d": "i", "i": "i", "o": "o", "b": "b", "v": "v", "t": "t"}
_MODE_WORD = {"o": "OUT ", "b": "INOUT ", "v": "VARIADIC ", "t": ""}


def _mode(fp: Any) -> str:
    m = fp.mode
    return _MODE[m.value if hasattr(m, "value") else str(m)]


def parameters(fps: Any, ctx: Ctx, is_procedure: bool) -> tuple[Param, ...]:
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


def plain_signature(ctx: Ctx, name: str, types: tuple[TypeRef, ...]) -> str:
    """A label for a routine the package defines (messages use routine_signature())."""
    return f"{quote_ident(name)}({','.join(ctx.state.type_display(t) for t in types)})"


def routine_signature(ctx: Ctx, r: Routine) -> str:
    return _signature(ctx, r.schema, r.name, r.input_types)
