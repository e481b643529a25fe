"""``[policy] forbid_calls``: calls of listed functions, anywhere they can run.

Every ``FuncCall`` node counts: SELECT lists, CALL, DEFAULT and CHECK expressions, views, policies,
DO blocks and the bodies of functions the package creates (see :mod:`pgwarden.lint.units`). Trigger
creation counts as a call without arguments. An unqualified name is a match if ``search_path``
(pg_catalog first) could resolve it to the pattern's schema. Where a literal is expected and the
argument is not a literal, or is omitted with an unknown default, or passed by name to a function
whose parameters are unknown offline, the call is refused: pgwarden cannot prove it differs.
"""

from __future__ import annotations

from typing import Any

from pglast import ast
from pglast.stream import RawStream

from pgwarden.package.lint.context import NO_DEFAULT, UNKNOWN, Ctx, FunctionInfo, inside
from pgwarden.package.lint.patterns import CallPattern
from pgwarden.package.lint.units import Unit
from pgwarden.parsing.walk import Const, candidate_schemas, const_of, same_value, split_name, strings
from pgwarden.rules import Rule


def _sql(node: Any) -> str:
    try:
        text = str(RawStream()(node))
    except Exception:  # deparse is only for the message; an exotic node must not stop the lint
        return "an expression"
    return text if len(text) <= 60 else text[:57] + "..."


def _info(ctx: Ctx, pattern: CallPattern, schema: str | None, name: str, nargs: int) -> FunctionInfo | None:
    for info in ctx.functions.get(name, ()):
        if (
            (schema is None or info.schema == schema)
            and (pattern.schema is None or info.schema == pattern.schema)
            and len(info.params) >= nargs
        ):
            return info
    return None


def match(ctx: Ctx, pattern: CallPattern, call: Any, unit: Unit) -> str | None:
    """Why ``call`` matches ``pattern`` (one line), or None when it provably does not."""
    schema, name = split_name(strings(call.funcname))
    if name != pattern.name:
        return None
    if pattern.schema is not None and pattern.schema not in candidate_schemas(
        schema, unit.search_path, ctx.role, functions=True
    ):
        return None
    resolved = "" if schema else f" (unqualified; search_path {', '.join(unit.search_path)} can resolve it)"
    if pattern.args is None:
        return f"calls {pattern.name}{resolved}"
    args = () if call.agg_star else tuple(call.args or ())
    positional = [a for a in args if not isinstance(a, ast.NamedArgExpr)]
    named = {str(a.name): a.arg for a in args if isinstance(a, ast.NamedArgExpr)}
    n = len(pattern.args)
    if len(args) > n:
        return None  # more arguments than the pattern: another function
    info = _info(ctx, pattern, schema, name, len(args))
    final: list[Any] = list(positional) + [None] * (n - len(positional))
    if named:
        if info is None:
            return (
                f"passes arguments by name ({', '.join(named)}) to {pattern.name}, whose parameter "
                f"positions are unknown offline, so it may be {pattern.text}"
            )
        pnames = [p for p, _d in info.params]
        for key, val in named.items():
            if key not in pnames or pnames.index(key) >= n:
                return None  # not a parameter the pattern constrains positions for: another overload
            final[pnames.index(key)] = val
    reasons = []
    for i, pat in enumerate(pattern.args):
        arg = final[i]
        if pat is None:
            continue
        if arg is None:
            default = info.params[i][1] if info is not None and i < len(info.params) else UNKNOWN
            if default is NO_DEFAULT:
                return None  # the call cannot omit it: another function
            if isinstance(default, Const):
                if not same_value(pat, default):
                    return None
                reasons.append(f"argument {i + 1} is omitted and defaults to {default.show()}")
            else:
                reasons.append(f"argument {i + 1} is omitted and its default may be {pat.show()}")
            continue
        c = const_of(arg)
        if c is None:
            reasons.append(f"argument {i + 1} ({_sql(arg)}) is not a literal and may be {pat.show()}")
        elif not same_value(pat, c):
            return None
        else:
            reasons.append(f"argument {i + 1} is {c.show()}")
    return "; ".join(reasons) + resolved if reasons else f"calls {pattern.name}{resolved}"


def check_unit(ctx: Ctx, unit: Unit) -> None:
    """Bundles, rollbacks, rollback-only probes and verify scripts alike: a probe may write (its transaction is
    rolled back) but not call what the policy forbids, which a rollback does not undo."""
    if not ctx.patterns:
        return
    for call in unit.index.get("FuncCall", ()):
        for pattern in ctx.patterns:
            why = match(ctx, pattern, call, unit)
            if why is not None:
                parts = strings(call.funcname)
                ctx.report(
                    Rule.POLICY_FORBID_CALLS,
                    unit,
                    unit.at(call.location, (".".join(parts), parts[-1])),
                    f"call matches forbidden {pattern.text}{inside(unit)}: {why}",
                    facts={"pattern": pattern.text},
                )
    for trig in [*unit.index.get("CreateTrigStmt", ()), *unit.index.get("CreateEventTrigStmt", ())]:
        schema, name = split_name(strings(trig.funcname))
        for pattern in ctx.patterns:
            if (
                name == pattern.name
                and pattern.args in (None, ())
                and (
                    pattern.schema is None
                    or pattern.schema in candidate_schemas(schema, unit.search_path, ctx.role, functions=True)
                )
            ):
                ctx.report(
                    Rule.POLICY_FORBID_CALLS,
                    unit,
                    unit.at(None, name),
                    f"trigger executes forbidden {pattern.text}{inside(unit)}",
                    facts={"pattern": pattern.text},
                )
