"""Walking pglast ASTs: every node of a tree, names, search_path resolution and literal values.

PostgreSQL's parser already folds unquoted identifiers to lower case and keeps quoted ones as written,
so names taken from the AST compare exactly as the server would compare them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pglast import ast, enums
from pglast.parser import ParseError

from pgwarden.parsing.tree import parse as _pg_parse

DEFAULT_SEARCH_PATH: tuple[str, ...] = ("$user", "public")


_SCALAR_CTYPES = {
    "bool",
    "char*",
    "char",
    "ParseLoc",
    "int",
    "int16",
    "int32",
    "long",
    "Oid",
    "Index",
    "AttrNumber",
    "AclMode",
    "RelFileNumber",
    "SubTransactionId",
    "bits32",
    "Cardinality",
    "Cost",
    "double",
    "uint32",
    "uint64",
    "int64",
}
_CHILD_SLOTS: dict[type, tuple[str, ...]] = {}


def enum_name(value: Any) -> str:
    """An enum field of a node by its name (``ObjectType.OBJECT_TABLE`` -> "OBJECT_TABLE"); anything else as text."""
    return str(getattr(value, "name", value))


def _child_slots(cls: type) -> tuple[str, ...]:
    """Slots of ``cls`` that can hold nodes (scalars and enums are skipped by the walk)."""
    slots = _CHILD_SLOTS.get(cls)
    if slots is None:
        table: Any = getattr(cls, "__slots__", {})
        table = table if isinstance(table, dict) else {}
        slots = tuple(
            n for n, info in table.items() if info.c_type not in _SCALAR_CTYPES and not hasattr(enums, info.c_type)
        )
        _CHILD_SLOTS[cls] = slots
    return slots


def iter_nodes(root: Any) -> Iterator[ast.Node]:
    """Every AST node under ``root`` (included), depth first."""
    stack = [root]
    push, extend = stack.append, stack.extend
    node_type = ast.Node
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            extend(reversed(item))
        elif isinstance(item, node_type):
            yield item
            for attr in _child_slots(type(item)):
                value = getattr(item, attr)
                if value is not None:
                    push(value)


def column_names(node: Any) -> list[str]:
    """The column names an expression reads (the last part of each ColumnRef), each once, in order."""
    out: list[str] = []
    for n in iter_nodes(node):
        if isinstance(n, ast.ColumnRef) and n.fields and isinstance(n.fields[-1], ast.String):
            name = str(n.fields[-1].sval)
            if name not in out:
                out.append(name)
    return out


def index_nodes(root: Any) -> dict[str, list[ast.Node]]:
    """Nodes under ``root`` grouped by class name (one walk serves every rule)."""
    out: dict[str, list[ast.Node]] = defaultdict(list)
    for node in iter_nodes(root):
        out[type(node).__name__].append(node)
    return out


def defelem(options: Any, name: str) -> Any:
    """The ``DefElem`` called ``name`` in an options list (``DO``, ``CREATE FUNCTION``, ``WITH (…)``)."""
    for o in options or ():
        if isinstance(o, ast.DefElem) and o.defname == name:
            return o
    return None


def option_flag(options: Any, name: str) -> bool | None:
    """A boolean option such as ``REINDEX (CONCURRENTLY)`` or ``WITH (connect = false)``: None when it
    is absent, true when it is given without a value, else its value as the server reads it."""
    o = defelem(options, name)
    if o is None:
        return None
    if o.arg is None:
        return True
    c = const_of(o.arg) if not isinstance(o.arg, ast.String) else None
    text = str(c.value) if c else str(getattr(o.arg, "sval", "") or "true")
    return text.lower() not in ("false", "off", "0", "no")


def strings(items: Any) -> tuple[str, ...]:
    """The ``sval`` of a tuple of ``String`` nodes (qualified names in the AST)."""
    if not items:
        return ()
    return tuple(getattr(s, "sval", None) or "" for s in items if isinstance(s, ast.String))


def rangevar(rv: Any) -> tuple[str | None, str]:
    return (rv.schemaname or None, rv.relname or "")


def split_name(parts: tuple[str, ...]) -> tuple[str | None, str]:
    """(schema, name) of a qualified name given as parts; a database prefix is ignored."""
    if not parts:
        return None, ""
    if len(parts) == 1:
        return None, parts[0]
    return parts[-2], parts[-1]


def qualify(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


def path_schemas(search_path: tuple[str, ...], role: str | None) -> tuple[str, ...]:
    """The schemas a search_path can mean: ``$user`` becomes the guarded role, or is dropped."""
    out: list[str] = []
    for s in search_path:
        if s == "$user":
            if role:
                out.append(role)
            continue
        if s not in out:
            out.append(s)
    return tuple(out)


def candidate_schemas(
    schema: str | None, search_path: tuple[str, ...], role: str | None, *, functions: bool = False
) -> tuple[str, ...]:
    """Every schema an (optionally unqualified) name may resolve to; functions also see pg_catalog."""
    if schema:
        return (schema,)
    found = path_schemas(search_path, role)
    if functions and "pg_catalog" not in found:
        found = ("pg_catalog", *found)
    return found


def creation_schema(schema: str | None, search_path: tuple[str, ...], role: str | None) -> str:
    """Where an unqualified CREATE puts its object: the first schema of the path that we can name."""
    if schema:
        return schema
    found = path_schemas(search_path, None)  # "$user" usually has no schema: skip it
    return found[0] if found else "public"


def parse_search_path(value: str) -> tuple[str, ...] | None:
    """``'"$user", public'`` -> ("$user", "public"), parsed by PostgreSQL's grammar; None if invalid."""
    try:
        raw = _pg_parse(f"SET search_path = {value}")
    except ParseError:
        return None
    if len(raw) != 1 or not isinstance(raw[0].stmt, ast.VariableSetStmt):
        return None
    return search_path_of_set(raw[0].stmt)


def search_path_of_set(stmt: Any) -> tuple[str, ...] | None:
    """The schemas a ``SET search_path`` assigns (the default for RESET/DEFAULT)."""
    if (stmt.name or "").lower() != "search_path":
        return None
    kind = getattr(stmt.kind, "name", "")
    if kind in ("VAR_RESET", "VAR_SET_DEFAULT", "VAR_RESET_ALL"):
        return DEFAULT_SEARCH_PATH
    out = []
    for arg in stmt.args or ():
        c = const_of(arg)
        if c is None or c.kind != "str":
            return None
        out.append(str(c.value))  # SET quotes a string literal as one schema name, as the server does
    return tuple(out)


@dataclass(frozen=True)
class Const:
    kind: str  # "bool" | "int" | "num" | "str" | "null" | "bits"
    value: Any

    def show(self) -> str:
        if self.kind == "null":
            return "NULL"
        if self.kind == "bool":
            return "true" if self.value else "false"
        if self.kind == "str":
            return "'" + str(self.value).replace("'", "''") + "'"
        return str(self.value)


_BOOL_TYPES = {"bool", "boolean"}
_INT_TYPES = {"int2", "int4", "int8", "smallint", "integer", "bigint", "int"}
_TEXT_TYPES = {"text", "varchar", "bpchar", "name", "character varying", "char"}


def const_of(node: Any) -> Const | None:
    """The literal value of ``node``, or None when it is not a literal (a column, a call …)."""
    if isinstance(node, ast.A_Const):
        if node.isnull:
            return Const("null", None)
        v = node.val
        if isinstance(v, ast.Integer):
            return Const("int", int(v.ival or 0))
        if isinstance(v, ast.Float):
            return Const("num", Decimal(str(v.fval)))
        if isinstance(v, ast.Boolean):
            return Const("bool", bool(v.boolval))
        if isinstance(v, ast.String):
            return Const("str", v.sval or "")
        if isinstance(v, ast.BitString):
            return Const("bits", v.bsval)
        return None
    if isinstance(node, ast.TypeCast):
        base = const_of(node.arg)
        if base is None:
            return None
        tname = (strings(node.typeName.names)[-1:] or ("",))[0] if node.typeName else ""
        if base.kind == "str" and tname in _BOOL_TYPES:
            b = pg_bool(str(base.value))
            return Const("bool", b) if b is not None else base
        if base.kind == "str" and tname in _INT_TYPES:
            try:
                return Const("int", int(str(base.value).strip()))
            except ValueError:
                return base
        if tname in _TEXT_TYPES and base.kind != "null":
            return Const("str", str(base.value) if base.kind != "bool" else ("true" if base.value else "false"))
        return base
    return None


def pg_bool(text: str) -> bool | None:
    """PostgreSQL's boolean input rules (boolin): t/true/yes/on/1, f/false/no/off/0 and prefixes."""
    s = text.strip().lower()
    if not s:
        return None
    if s in ("1", "on"):
        return True
    if s in ("0", "of", "off"):
        return False
    for word, val in (("true", True), ("false", False), ("yes", True), ("no", False)):
        if word.startswith(s):
            return val
    return None


def same_value(pattern: Const, arg: Const) -> bool:
    """Would the call argument ``arg`` equal the pattern literal once PostgreSQL coerces it?"""
    if pattern.kind == "null" or arg.kind == "null":
        return pattern.kind == arg.kind
    if pattern.kind == "bool":
        if arg.kind == "bool":
            return bool(bool(arg.value) == pattern.value)
        return arg.kind == "str" and bool(pg_bool(str(arg.value)) == pattern.value)
    if pattern.kind in ("int", "num"):
        try:
            return Decimal(str(arg.value).strip()) == Decimal(str(pattern.value))
        except (InvalidOperation, ValueError):
            return False
    if pattern.kind == "str" and arg.kind == "bool":
        return bool(pg_bool(str(pattern.value)) == arg.value)
    return str(pattern.value) == str(arg.value)
