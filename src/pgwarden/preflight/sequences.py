"""CREATE SEQUENCE: the option checks of the server's ``init_params()`` (22023), with its messages.

Only constant options are judged; NO MINVALUE / NO MAXVALUE fall back to the type's bounds, as the server
does. ALTER SEQUENCE depends on the sequence's current parameters and is left to the rehearsal.
"""

from __future__ import annotations

from typing import Any

from pglast import ast

from pgwarden.preflight import existence
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.prediction import Prediction, Refusal
from pgwarden.rules import Rule

_BOUNDS = {
    "int2": (-32768, 32767),
    "int4": (-2147483648, 2147483647),
    "int8": (-9223372036854775808, 9223372036854775807),
}
_TYPE_NAMES = {
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "smallint": "int2",
    "integer": "int4",
    "int": "int4",
    "bigint": "int8",
}


def _bad(message: str) -> Refusal:
    return Refusal(Rule.PREFLIGHT_SEQUENCE, "22023", message, fix="fix the sequence's options")


def _int(arg: Any) -> int | None:
    if isinstance(arg, ast.Integer) and arg.ival is not None:
        return int(arg.ival)
    if isinstance(arg, ast.Float):
        try:
            return int(str(arg.fval))
        except ValueError:
            return None
    return None


def check_options(options: Any, ctx: Ctx | None = None) -> None:
    opts: dict[str, Any] = {}
    for d in options or ():
        if not isinstance(d, ast.DefElem) or d.defname is None:
            continue
        if d.defname in opts and d.defname != "sequence_name":
            raise Refusal(
                Rule.PREFLIGHT_SEQUENCE,
                "42601",
                "conflicting or redundant options",
                fix=f"give {d.defname.upper()} once",
            )
        opts[d.defname] = d.arg
    typ = "int8"
    if "as" in opts and isinstance(opts["as"], ast.TypeName):
        if ctx is not None:
            ctx.resolver.type_of(opts["as"])  # a missing type is 42704 first
        name = str(getattr((opts["as"].names or ())[-1], "sval", ""))
        typ = name if name in _BOUNDS else _TYPE_NAMES.get(name, "")
        if typ not in _BOUNDS:
            raise _bad("sequence type must be smallint, integer, or bigint")
    lo, hi = _BOUNDS[typ]
    shown = _TYPE_NAMES[typ]
    inc = _int(opts["increment"]) if opts.get("increment") is not None else 1
    if inc is None:
        return
    if inc == 0:
        raise _bad("INCREMENT must not be zero")
    mx = _int(opts["maxvalue"]) if opts.get("maxvalue") is not None else (hi if inc > 0 else -1)
    mn = _int(opts["minvalue"]) if opts.get("minvalue") is not None else (1 if inc > 0 else lo)
    if mx is None or mn is None:
        return
    if not lo <= mx <= hi:
        raise _bad(f"MAXVALUE ({mx}) is out of range for sequence data type {shown}")
    if not lo <= mn <= hi:
        raise _bad(f"MINVALUE ({mn}) is out of range for sequence data type {shown}")
    if mn >= mx:
        raise _bad(f"MINVALUE ({mn}) must be less than MAXVALUE ({mx})")
    start = _int(opts["start"]) if opts.get("start") is not None else (mn if inc > 0 else mx)
    if start is None:
        return
    if start < mn:
        raise _bad(f"START value ({start}) cannot be less than MINVALUE ({mn})")
    if start > mx:
        raise _bad(f"START value ({start}) cannot be greater than MAXVALUE ({mx})")
    cache = _int(opts["cache"]) if opts.get("cache") is not None else 1
    if cache is not None and cache <= 0:
        raise _bad(f"CACHE ({cache}) must be greater than zero")


def create_sequence(node: Any, ctx: Ctx) -> Prediction:
    schema, name = node.sequence.schemaname or None, node.sequence.relname
    ns = ctx.creation_schema(schema, temp=node.sequence.relpersistence == "t")
    ctx.require_create(ns)
    if not (node.if_not_exists and ctx.state.relation(ns, name) is not None):
        check_options(node.options, ctx)  # the server checks the options before it creates the relation
    return existence.create_relation_named(None, name, "S", bool(node.if_not_exists), ctx, ns=ns)
