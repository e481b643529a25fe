"""Canonical object names, parsed by PostgreSQL's grammar (pglast), never split by hand.

An expectation such as ``public.fn(uuid, text, boolean)``, a ``CREATE FUNCTION`` in a schema dump and
``regprocedure`` text from a live catalog are all parsed into the same canonical key, so
``boolean``/``bool``, ``integer``/``int4`` or ``timestamptz``/``timestamp with time zone`` compare equal.
Argument types match by type name (their schema qualification is ignored). Unquoted parts fold to
lower case and quoted ones are kept, as the server does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast, scan
from pglast.parser import ParseError

from pgwarden.errors import BadInput
from pgwarden.kinds import ObjectKind
from pgwarden.parsing.tree import parse

Key = tuple[str, ...]

# Number of name parts each kind takes; a missing schema means "public".
_PARTS = {
    ObjectKind.SCHEMA: 1,
    ObjectKind.EXTENSION: 1,
    ObjectKind.TABLE: 2,
    ObjectKind.VIEW: 2,
    ObjectKind.INDEX: 2,
    ObjectKind.SEQUENCE: 2,
    ObjectKind.TYPE: 2,
    ObjectKind.COLUMN: 3,
    ObjectKind.TRIGGER: 3,
    ObjectKind.CONSTRAINT: 3,
    ObjectKind.POLICY: 3,
}


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
        stmts = parse(f"DROP ROUTINE {text}")
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


def _extension_name(text: str, where: str) -> str:
    """An extension's name is not a dotted identifier: ``uuid-ossp`` is as valid as ``"uuid-ossp"`` or
    ``btree_gin``. A plain identifier folds to lower case as in SQL; a quoted one is unquoted; anything else
    is taken as written."""
    name = text.strip()
    if not name or name != text:
        raise BadInput(f"{where}: {text!r}: expected an extension name, without surrounding spaces")
    if len(name) >= 2 and name[0] == name[-1] == '"':
        inner = name[1:-1]
        if inner and '"' not in inner.replace('""', ""):
            return inner.replace('""', '"')
        raise BadInput(f"{where}: {text!r}: a badly quoted extension name")
    try:
        parts = split_dotted(name)
    except ValueError:
        return name
    return parts[0] if len(parts) == 1 else name


def split_dotted(text: str) -> tuple[str, ...]:
    """``"My Schema".T`` -> ("My Schema", "t"): one dotted object name, read by PostgreSQL's grammar
    (unquoted parts fold to lower case, quoted ones are kept). ValueError if ``text`` holds anything
    else: every scanner token must be a name part or a dot, so ``t WHERE x`` or ``ONLY t`` is refused."""
    try:
        tokens = scan(text)
        stmts = parse(f"DROP TABLE {text}")
    except ParseError as exc:
        raise ValueError(str(exc.args[0]) if exc.args else str(exc)) from None
    dots = [t.name == "ASCII_46" for t in tokens]
    stmt: Any = stmts[0].stmt if len(stmts) == 1 else None
    objects: Any = getattr(stmt, "objects", None) or ()
    parts = tuple(getattr(f, "sval", None) for f in objects[0]) if len(objects) == 1 else ()
    if (
        not parts
        or None in parts
        or dots != [i % 2 == 1 for i in range(len(tokens))]
        or len(tokens) != 2 * len(parts) - 1
    ):
        raise ValueError("expected a plain dotted name such as schema.name")
    return tuple(str(p) for p in parts)


def parse_name(kind: ObjectKind, text: str, where: str) -> Key:
    """Split a dotted, possibly quoted name (``"My Schema".t`` works; case folds as in SQL)."""
    if kind == ObjectKind.FUNCTION:
        return parse_signature(text, where)
    if kind == ObjectKind.EXTENSION:
        return (_extension_name(text, where),)
    want = _PARTS[kind]
    try:
        parts = split_dotted(text)
    except ValueError as exc:
        raise BadInput(f"{where}: {text!r} is not a plain dotted name ({exc})") from None
    if len(parts) == want - 1 and want > 1:
        parts = ("public", *parts)
    if len(parts) != want:
        shape = {1: "name", 2: "schema.name", 3: "schema.table.name"}[want]
        raise BadInput(f"{where}: {text!r}: expected {shape}")
    return parts
