"""Canonical object names, shared by the two independent presence checks.

An expectation such as ``public.fn(uuid, text, boolean)``, a ``CREATE FUNCTION`` in a schema dump and
``regprocedure`` text from a live catalog are all parsed with pglast into the same canonical key, so
``boolean``/``bool``, ``integer``/``int4`` or ``timestamptz``/``timestamp with time zone`` compare equal.
Argument types match by type name (their schema qualification is ignored).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pglast import ast, parse_sql
from pglast.parser import ParseError

from pgwarden.errors import BadInput

KINDS = ("schemas", "tables", "columns", "views", "functions", "triggers", "indexes", "sequences",
         "types", "extensions")

# Number of name parts each kind takes, and whether a missing schema means "public".
_PARTS = {"schemas": 1, "extensions": 1, "tables": 2, "views": 2, "indexes": 2, "sequences": 2, "types": 2,
          "columns": 3, "triggers": 3}

Key = tuple[str, ...]


def type_key(tn: ast.TypeName) -> str:
    """``pg_catalog.int4`` -> ``int4``; ``public.t[]`` -> ``t[]``; typmods are not part of identity."""
    names = [n.sval for n in (tn.names or ())]
    return (names[-1] if names else "?") + "[]" * len(tn.arrayBounds or ())


def function_key(schema: str | None, name: str, args: Iterable[ast.TypeName] | None) -> Key:
    """(schema, name, "t1,t2") or, when arguments are unspecified, (schema, name)."""
    base = (schema or "public", name)
    return base if args is None else (*base, ",".join(type_key(a) for a in args))


def parse_signature(text: str, where: str) -> Key:
    """``public.fn(uuid, text)`` (or ``fn`` for any overload) -> canonical key, parsed by pglast."""
    try:
        stmts = parse_sql(f"DROP ROUTINE {text}")
    except ParseError as exc:
        raise BadInput(f"{where}: {text!r} is not a function signature: {exc}") from None
    stmt: Any = stmts[0].stmt if len(stmts) == 1 else None
    if not isinstance(stmt, ast.DropStmt) or len(stmt.objects or ()) != 1:
        raise BadInput(f"{where}: {text!r} is not one function signature")
    owa: Any = (stmt.objects or ())[0]
    parts = [s.sval for s in owa.objname]
    if len(parts) > 2:
        raise BadInput(f"{where}: {text!r}: expected schema.name(argument types)")
    schema = parts[0] if len(parts) == 2 else None
    args = None if owa.args_unspecified else list(owa.objargs or ())
    return function_key(schema, parts[-1], args)


def parse_name(kind: str, text: str, where: str) -> Key:
    """Split a dotted, possibly quoted name with pglast (``"My Schema".t`` works; case folds as in SQL)."""
    if kind == "functions":
        return parse_signature(text, where)
    want = _PARTS[kind]
    try:
        stmts = parse_sql(f"SELECT {text}")
    except ParseError as exc:
        raise BadInput(f"{where}: {text!r} is not a valid name: {exc}") from None
    stmt: Any = stmts[0].stmt if len(stmts) == 1 else None
    target: Any = stmt.targetList[0].val if isinstance(stmt, ast.SelectStmt) and stmt.targetList \
        and len(stmt.targetList) == 1 and stmt.fromClause is None else None
    if not isinstance(target, ast.ColumnRef) or not all(isinstance(f, ast.String) for f in (target.fields or ())):
        raise BadInput(f"{where}: {text!r} is not a plain dotted name")
    parts = tuple(f.sval for f in (target.fields or ()))
    if len(parts) == want - 1 and want > 1:
        parts = ("public", *parts)
    if len(parts) != want:
        shape = {1: "name", 2: "schema.name", 3: "schema.table.name"}[want]
        raise BadInput(f"{where}: {text!r}: expected {shape}")
    return parts


@dataclass
class ObjectCatalog:
    """The objects one method found, by kind (sets of canonical keys)."""

    objects: dict[str, set[Key]] = field(default_factory=lambda: {k: set() for k in KINDS})

    def add(self, kind: str, *parts: str) -> None:
        self.objects[kind].add(tuple(parts))

    def has(self, kind: str, key: Key) -> bool:
        found = self.objects[kind]
        if kind == "functions" and len(key) == 2:
            return any(k[:2] == key for k in found)
        return key in found

    def count(self) -> int:
        return sum(len(v) for v in self.objects.values())
