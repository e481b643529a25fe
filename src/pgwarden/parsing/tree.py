"""pglast ASTs, built fast: libpg_query's JSON turned into the same pglast node objects.

``pglast.parse_sql`` builds every node through ``Node.__setattr__``, which validates and coerces
each attribute; for a 2,000-statement package that is most of ``check``'s time. This module asks
libpg_query (the same C parser) for its JSON tree and builds the identical pglast classes with
plain attribute stores, using pglast's own slot type table for defaults and conversions. Anything
it does not recognise raises :class:`Unsupported` and :func:`parse` falls back to
``pglast.parse_sql`` for that text, so the result is always pglast's. ``tests/test_sqlsource.py``
checks the two builders agree, locations included.
"""

from __future__ import annotations

import json
import keyword
from typing import Any

from pglast import ast, enums
from pglast import parse_sql as _pglast_parse
from pglast.parser import Displacements, ParseError, parse_sql_json

_INTS = {
    "AclMode",
    "AttrNumber",
    "Index",
    "RelFileNumber",
    "SubTransactionId",
    "bits32",
    "int",
    "int16",
    "int32",
    "long",
    "Oid",
    "uint32",
    "uint64",
    "int64",
}
_FLOATS = {"Cardinality", "Cost", "double"}
_CLASSES: dict[str, type] = {n: c for n, c in vars(ast).items() if isinstance(c, type) and issubclass(c, ast.Node)}
_PLANS: dict[type, tuple[dict[str, tuple[str, str, Any]], tuple[tuple[str, Any], ...]]] = {}
_set = object.__setattr__


class Unsupported(Exception):
    """The JSON holds something this builder does not know; use pglast's own builder."""


def _enum_zero(enum: Any) -> Any:
    """pglast's value for an enum field that is 0 in C (libpg_query's JSON omits nothing it needs)."""
    try:
        return enum(0)
    except ValueError:
        return None


def _plan(cls: type) -> tuple[dict[str, tuple[str, str, Any]], tuple[tuple[str, Any], ...]]:
    """Per class: JSON key -> (slot, kind, extra), and the (slot, default) of every slot."""
    plan = _PLANS.get(cls)
    if plan is not None:
        return plan
    keys: dict[str, tuple[str, str, Any]] = {}
    defaults: list[tuple[str, Any]] = []
    table: Any = getattr(cls, "__slots__", {})
    slots = table if isinstance(table, dict) else {}
    for slot, info in slots.items():
        ct = info.c_type
        kind: str
        extra: Any
        default: Any
        jkey = slot[:-1] if slot.endswith("_") and keyword.iskeyword(slot[:-1]) else slot
        if ct == "bool":
            kind, extra, default = "bool", None, False
        elif ct in ("char*", "char"):
            kind, extra, default = "str", None, None if ct == "char*" else "\x00"
        elif ct == "ParseLoc":
            kind, extra, default = "loc", None, 0
        elif ct in _INTS:
            kind, extra, default = "int", None, 0
        elif ct in _FLOATS:
            kind, extra, default = "float", None, 0.0
        elif hasattr(enums, ct):
            kind, extra = "enum", getattr(enums, ct)
            default = _enum_zero(extra)
        elif ct == "List*":
            kind, extra, default = "list", None, None
        elif ct in ("Node*", "Expr*"):
            kind, extra, default = "node", None, None
        elif ct.rstrip("*") in _CLASSES:
            kind, extra, default = "struct", _CLASSES[ct.rstrip("*")], None
        else:
            kind, extra, default = "unsupported", ct, None
        keys[jkey] = (slot, kind, extra)
        defaults.append((slot, default))
    plan = (keys, tuple(defaults))
    _PLANS[cls] = plan
    return plan


class _Builder:
    def __init__(self, text: str) -> None:
        self.disp = Displacements(text)

    def node(self, obj: Any) -> Any:
        """A wrapped node: ``{"TypeName": {...}}`` (or ``{"List": {"items": [...]}}``)."""
        if isinstance(obj, dict) and not obj:
            return None  # a NULL element of a List (e.g. SELECT DISTINCT's marker)
        if not isinstance(obj, dict) or len(obj) != 1:
            raise Unsupported(repr(obj)[:80])
        ((tag, body),) = obj.items()
        if tag == "List":
            return tuple(self.node(x) for x in body.get("items", ()))
        if tag == "A_Const":
            return self.a_const(body)
        cls = _CLASSES.get(tag)
        if cls is None:
            raise Unsupported(tag)
        return self.struct(cls, body)

    def a_const(self, body: dict[str, Any]) -> Any:
        inst = ast.A_Const.__new__(ast.A_Const)
        isnull = bool(body.get("isnull", False))
        val: Any = None
        if not isnull:
            if "ival" in body:
                val = self.struct(ast.Integer, body["ival"])
            elif "fval" in body:
                val = self.struct(ast.Float, body["fval"])
            elif "boolval" in body:
                val = self.struct(ast.Boolean, body["boolval"])
            elif "sval" in body:
                val = self.struct(ast.String, body["sval"])
            elif "bsval" in body:
                val = self.struct(ast.BitString, body["bsval"])
            else:
                raise Unsupported("A_Const without a value")
        for key in body:
            if key not in ("isnull", "location", "ival", "fval", "boolval", "sval", "bsval"):
                raise Unsupported(f"A_Const.{key}")
        _set(inst, "isnull", isnull)
        _set(inst, "val", val)
        return inst

    def struct(self, cls: type, body: Any) -> Any:
        if not isinstance(body, dict):
            raise Unsupported(cls.__name__)
        keys, defaults = _plan(cls)
        inst: Any = object.__new__(cls)
        for slot, default in defaults:
            _set(inst, slot, default)
        for key, raw in body.items():
            spec = keys.get(key)
            if spec is None:
                raise Unsupported(f"{cls.__name__}.{key}")
            slot, kind, extra = spec
            if kind == "node":
                value = self.node(raw)
            elif kind == "list":
                value = tuple(self.node(x) for x in raw)
            elif kind == "struct":
                value = self.struct(extra, raw)
            elif kind == "loc":
                value = self.disp(raw)
            elif kind == "enum":
                value = extra[raw]
            elif kind == "bool":
                value = bool(raw)
            elif kind in ("str", "int", "float"):
                value = raw
            else:
                raise Unsupported(f"{cls.__name__}.{key}: {extra}")
            _set(inst, slot, value)
        return inst


def _raw_stmts(text: str, tree: dict[str, Any]) -> tuple[Any, ...]:
    b = _Builder(text)
    out = []
    for item in tree.get("stmts", ()):
        raw = ast.RawStmt.__new__(ast.RawStmt)
        loc = int(item.get("stmt_location", 0))
        length = int(item.get("stmt_len", 0))
        start = b.disp(loc) or 0
        _set(raw, "stmt", b.node(item["stmt"]) if "stmt" in item else None)
        _set(raw, "stmt_location", start)
        _set(raw, "stmt_len", (b.disp(loc + length) or 0) - start if length else 0)
        for key in item:
            if key not in ("stmt", "stmt_location", "stmt_len"):
                raise Unsupported(f"RawStmt.{key}")
        out.append(raw)
    return tuple(out)


NUL_MESSAGE = "NUL byte (\\0) in SQL text: PostgreSQL refuses it, and the parser would stop reading there"


def parse(text: str) -> tuple[Any, ...]:
    """Like ``pglast.parse_sql(text)`` (same nodes, same ParseError), only faster.

    A NUL character is a :class:`ParseError` at its position: libpg_query reads a C string, so it would
    silently ignore everything after it, and a statement hidden there would escape every check.
    """
    nul = text.find("\x00")
    if nul >= 0:
        raise ParseError(NUL_MESSAGE, nul)
    try:
        tree = json.loads(parse_sql_json(text))
    except ParseError:
        return _pglast_parse(text)  # raises pglast's ParseError with its character index
    except RecursionError:  # a deep tree (e.g. 'a' || 'b' || … 1,000 times): pglast's builder copes
        return _pglast_parse(text)
    try:
        return _raw_stmts(text, tree)
    except (Unsupported, KeyError, TypeError, ValueError, RecursionError):
        return _pglast_parse(text)
