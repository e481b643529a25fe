"""Expectations, as typed values: which objects must exist, which row counts and values must hold.

The same vocabulary serves ``verify-backup --expect FILE`` and a package's ``[verify]`` table. Every
name and every SQL fragment is parsed with pglast when the file is read, so a typo is a bad input
(exit 2) before anything is touched. A count or value whose SQL fails on the server is a FAIL result
carrying the server's error, not a crash. Values are compared as PostgreSQL's own text output, read
with ``TimeZone = UTC`` and ``DateStyle = ISO`` so that the same data gives the same text everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pgwarden.errors import BadInput
from pgwarden.kinds import EXPECTATION_KINDS, ObjectKind
from pgwarden.parsing.names import parse_name
from pgwarden.parsing.readonly import check_select
from pgwarden.userfiles import read_toml

KINDS: tuple[ObjectKind, ...] = tuple(EXPECTATION_KINDS.values())


@dataclass(frozen=True)
class CountExpectation:
    table: str
    where: str | None
    equals: int

    @property
    def label(self) -> str:
        return self.table + (f" where {self.where}" if self.where else "")


@dataclass(frozen=True)
class ValueExpectation:
    name: str
    sql: str
    equals: str


@dataclass(frozen=True)
class Expectations:
    schemas: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    views: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    indexes: tuple[str, ...] = ()
    sequences: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    counts: tuple[CountExpectation, ...] = ()
    values: tuple[ValueExpectation, ...] = ()

    def objects(self) -> Iterator[tuple[ObjectKind, str]]:
        """(kind, name as written) for every object expectation, in file order per kind."""
        for kind in KINDS:
            for name in getattr(self, kind.plural):
                yield kind, name

    @property
    def empty(self) -> bool:
        return not (any(True for _ in self.objects()) or self.counts or self.values)

    def user_queries(self, prefix: str) -> dict[str, str]:
        """The user SQL these expectations run (values, and counts with a filter), by name: what must call only
        STABLE or IMMUTABLE functions on a live server."""
        out = {f"{prefix} value {v.name}": v.sql for v in self.values}
        out.update(
            {
                f"{prefix} count {c.label}": f"SELECT pg_catalog.count(*) FROM {c.table} WHERE {c.where}"
                for c in self.counts
                if c.where
            }
        )
        return out


class CheckKind(StrEnum):
    COUNT = "count"
    VALUE = "value"


class Method(StrEnum):
    """How an expectation was checked: the two independent presence methods, or a query."""

    SCHEMA_DUMP = "schema dump"
    INTROSPECTION = "introspection"
    QUERY = "query"


@dataclass(frozen=True)
class ExpectationResult:
    kind: ObjectKind | CheckKind
    name: str  # as written: "public.t.col", "public.t where x = 1", or the value's name
    method: Method
    ok: bool
    expected: str
    actual: str
    error: str | None = None


@dataclass(frozen=True)
class VerifyGate:
    """The verify gate's details (apply's gate 11): each ``[verify]`` expectation's result."""

    checks: tuple[ExpectationResult, ...]


TOP_KEYS = (*(k.plural for k in KINDS), "count", "value")
_COUNT_KEYS = {"table": str, "where": str, "equals": int}
_VALUE_KEYS = {"name": str, "sql": str, "equals": str}
_TYPE_NAMES = {str: "a string", int: "an integer", list: "a list", dict: "a table"}


def _tname(v: Any) -> str:
    return {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "table"}.get(
        type(v), type(v).__name__
    )


def _table_of(data: dict[str, Any], key: str, where: str, spec: Mapping[str, type]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BadInput(f"{where}: must be a table ([[{key}]]), got {_tname(data)}")
    unknown = sorted(set(data) - set(spec))
    if unknown:
        raise BadInput(f"{where}: unknown key {unknown[0]!r}; expected {', '.join(spec)}")
    for k, typ in spec.items():
        v = data.get(k)
        if v is None:
            if k != "where":
                raise BadInput(f"{where}.{k}: missing (required)")
            continue
        if not isinstance(v, typ) or isinstance(v, bool):
            raise BadInput(f"{where}.{k}: must be {_TYPE_NAMES[typ]}, got {_tname(v)} ({v!r})")
    return data


def parse_expectations(data: dict[str, Any], source: str) -> Expectations:
    """Validate a parsed TOML document (or a ``[verify]`` table). Errors name source and key path."""
    if not isinstance(data, dict):
        raise BadInput(f"{source}: expectations must be a table, got {_tname(data)}")
    unknown = sorted(set(data) - set(TOP_KEYS))
    if unknown:
        raise BadInput(f"{source}: unknown key {unknown[0]!r}; expected one of {', '.join(TOP_KEYS)}")
    fields: dict[str, Any] = {}
    for kind in KINDS:
        key = kind.plural
        items = data.get(key, [])
        if not isinstance(items, list):
            raise BadInput(f"{source}: {key} must be a list of strings, got {_tname(items)}")
        for i, item in enumerate(items):
            if not isinstance(item, str):
                raise BadInput(f"{source}: {key}[{i}] must be a string, got {_tname(item)} ({item!r})")
            parse_name(kind, item, f"{source}: {key}[{i}]")
        fields[key] = tuple(items)
    counts = []
    for i, raw in enumerate(_array(data, "count", source)):
        where = f"{source}: count[{i}]"
        d = _table_of(raw, "count", where, _COUNT_KEYS)
        parse_name(ObjectKind.TABLE, d["table"], f"{where}.table")
        check_select(count_sql_text(d["table"], d.get("where")), f"{where}.where")
        counts.append(CountExpectation(d["table"], d.get("where"), d["equals"]))
    values = []
    names: set[str] = set()
    for i, raw in enumerate(_array(data, "value", source)):
        where = f"{source}: value[{i}]"
        d = _table_of(raw, "value", where, _VALUE_KEYS)
        if d["name"] in names:
            raise BadInput(f"{where}.name: duplicate name {d['name']!r}")
        names.add(d["name"])
        check_select(d["sql"], f"{where}.sql")
        values.append(ValueExpectation(d["name"], d["sql"], d["equals"]))
    return Expectations(**fields, counts=tuple(counts), values=tuple(values))


def _array(data: dict[str, Any], key: str, source: str) -> list[Any]:
    items = data.get(key, [])
    if not isinstance(items, list):
        raise BadInput(f"{source}: {key} must be an array of tables ([[{key}]]), got {_tname(items)}")
    return items


def load_expectations(path: Path) -> Expectations:
    return parse_expectations(read_toml(path, "expectations file"), str(path))


def count_sql_text(table: str, where: str | None) -> str:
    return f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
