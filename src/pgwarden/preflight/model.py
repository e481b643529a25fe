"""The catalog as the package's statements will meet it: a live snapshot plus an in-memory overlay.

The live snapshot (:class:`LiveCatalog`) is read once, in a few batched queries, for every name the
package mentions. Each statement is then checked against :class:`CatalogState`, and its intended
effect is applied to the overlay, so that a later bundle is compared with an earlier bundle's
definition instead of the catalog. Nothing here talks to the server.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pgwarden.kinds import ObjectKind
from pgwarden.preflight.names import deparse, split_search_path

# A type is a live pg_type OID, or "new:<schema>.<name>" for a type the package creates itself.
TypeRef = int | str

RECORD_OID = 2249
VOID_OID = 2278
TRIGGER_OID = 2279
UNKNOWN_OID = 705
# Polymorphic pseudo-types (fixed OIDs in every PostgreSQL release).
POLYMORPHIC_OIDS = frozenset({2283, 2277, 2776, 3500, 3831, 4537, 5077, 5078, 5079, 5080, 4538})
INPUT_MODES = frozenset({"i", "b", "v"})
OUTPUT_MODES = frozenset({"o", "b", "t"})


@dataclass(frozen=True)
class TypeInfo:
    """What preflight needs to know about one type."""

    ref: TypeRef
    schema: str
    name: str
    display: str  # format_type_be(): how PostgreSQL prints it in messages
    collatable: bool = False
    array_ref: TypeRef | None = None  # the type's array type (pg_type.typarray)
    relkind: str | None = None  # set for a relation's row type
    elem_ref: TypeRef | None = None  # for an array type: its element type
    shell: bool = False  # CREATE TYPE name; without a definition yet
    pseudo: bool = False  # a pseudo-type (unknown, record, internal, any…)

    @property
    def polymorphic(self) -> bool:
        return isinstance(self.ref, int) and self.ref in POLYMORPHIC_OIDS


@dataclass(frozen=True)
class Param:
    name: str | None  # None when unnamed
    mode: str  # i, o, b (INOUT), v (VARIADIC), t (TABLE)
    type: TypeRef
    has_default: bool = False
    default_type: TypeRef | None = None  # known only where it can differ (polymorphic params)
    head: str = ""  # "p_note text" (with OUT/INOUT/VARIADIC), as pg_get_function_arguments prints it
    default_expr: str | None = None  # the default expression's text, when known
    default_node: Any = field(default=None, compare=False, repr=False)  # its AST (deparsed on demand)

    @property
    def text(self) -> str:
        """The parameter as pg_get_function_arguments prints it: "p_note text DEFAULT NULL::text"."""
        if not self.has_default:
            return self.head
        expr = self.default_expr
        if expr is None and self.default_node is not None:
            expr = deparse(self.default_node)
        return f"{self.head} DEFAULT {expr}" if expr is not None else f"{self.head} DEFAULT ..."


@dataclass(frozen=True)
class Routine:
    """A function, procedure, aggregate or window function, live or defined by the package."""

    schema: str
    name: str
    kind: str  # f, p, a, w
    params: tuple[Param, ...]
    rettype: TypeRef | None  # None: could not be worked out (no prediction depends on it)
    retset: bool
    owned: bool = True  # the current role has the owner's privileges
    owner: str = ""
    signature: str = ""  # format_procedure(): "fn(uuid,text,text)", for HINTs
    origin: str = "live"  # "live" or "bundle A (A.sql:12)"
    oid: int | None = None
    aggkind: str | None = None  # n, o, h
    aggnumdirectargs: int | None = None

    @property
    def input_types(self) -> tuple[TypeRef, ...]:
        return tuple(p.type for p in self.params if p.mode in INPUT_MODES)

    @property
    def inputs(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.mode in INPUT_MODES)

    @property
    def outputs(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.mode in OUTPUT_MODES)

    @property
    def n_defaults(self) -> int:
        return sum(1 for p in self.inputs if p.has_default)


@dataclass(frozen=True)
class Column:
    name: str
    type: TypeRef
    typmod: int = -1
    collation: str | None = None  # collation name; None for non-collatable types or unknown
    display: str = ""  # format_type(type, typmod)


@dataclass(frozen=True)
class Relation:
    schema: str
    name: str
    relkind: str  # r, p, v, m, S, i, I, f, c
    columns: tuple[Column, ...] | None = None  # None: not known (e.g. CREATE TABLE ... LIKE)
    owned: bool = True
    owner: str = ""
    oid: int | None = None
    origin: str = "live"
    table: str | None = None  # for an index: its table's name
    facts: Mapping[str, Any] = field(default_factory=dict)
    constraints: frozenset[str] | None = None  # constraint names; None: not known
    traits: frozenset[str] = frozenset()  # partition, typed, child, parent, identity_or_generated, system
    keys: tuple[tuple[bool, tuple[str, ...]], ...] | None = None  # unique keys (primary?, columns); None: unknown
    not_null: frozenset[str] = frozenset()  # columns proven free of NULLs (NOT NULL, or a valid CHECK)
    foreign_keys: tuple[tuple[str, tuple[str, ...], str, str], ...] = ()  # (name, columns, ref schema, ref table)
    uses: frozenset[str] | None = None  # an index the package made: the table columns it uses; None: unknown

    def column(self, name: str) -> Column | None:
        for c in self.columns or ():
            if c.name == name:
                return c
        return None


@dataclass(frozen=True)
class Trigger:
    schema: str
    table: str
    name: str
    internal: bool = False
    child: bool = False  # cloned from a partitioned parent (tgparentid <> 0)
    constraint: bool = False
    oid: int | None = None
    origin: str = "live"
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SchemaInfo:
    name: str
    can_create: bool = True
    oid: int | None = None


@dataclass
class LiveCatalog:
    """The batched snapshot of the live server, keyed the way lookups need it."""

    server_version_num: int = 0
    current_user: str = ""
    session_user: str = ""
    database: str = ""
    search_path: str = '"$user", public'
    temp_schema: str | None = None  # this session's pg_temp_N, once it has one
    superuser: bool = False  # the current role (before any SET ROLE in the package)
    can_create_schema: bool = True  # CREATE on the database
    schemas: dict[str, SchemaInfo] = field(default_factory=dict)
    routines: dict[tuple[str, str], list[Routine]] = field(default_factory=dict)
    relations: dict[tuple[str, str], Relation] = field(default_factory=dict)
    triggers: dict[tuple[str, str, str], Trigger] = field(default_factory=dict)
    types_by_name: dict[tuple[str, str], TypeInfo] = field(default_factory=dict)
    types_by_oid: dict[int, TypeInfo] = field(default_factory=dict)
    extensions: set[str] = field(default_factory=set)
    languages: dict[str, bool] = field(default_factory=dict)  # name -> installed (False: extension available)
    loaded_names: set[str] = field(default_factory=set)

    @property
    def major(self) -> int:
        return self.server_version_num // 10000


_DROPPED = None


@dataclass
class CatalogState:
    """Live snapshot + overlay. ``None`` in an overlay dict means "dropped by the package"."""

    live: LiveCatalog
    search_path_setting: str = ""
    routines: dict[tuple[str, str], dict[tuple[TypeRef, ...], Routine | None]] = field(default_factory=dict)
    relations: dict[tuple[str, str], Relation | None] = field(default_factory=dict)
    triggers: dict[tuple[str, str, str], Trigger | None] = field(default_factory=dict)
    types: dict[tuple[str, str], TypeInfo | None] = field(default_factory=dict)
    schemas: dict[str, SchemaInfo | None] = field(default_factory=dict)
    extensions: dict[str, bool] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)  # bare names the package has changed so far
    # live objects replaced, altered or dropped
    acted_on: dict[tuple[ObjectKind, str, str], Any] = field(default_factory=dict)
    local_search_path: str | None = None  # SET LOCAL inside the current bundle
    role: str | None = None  # SET ROLE earlier in the package (None: the connection's role)
    local_role: str | None = None  # SET LOCAL ROLE inside the current bundle
    check_bodies: bool = True  # check_function_bodies
    epoch: int = 0  # bumped whenever type name resolution may change
    opaque: str | None = None  # set once a statement may have changed objects in ways not followed
    _paths: dict[Any, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.search_path_setting:
            self.search_path_setting = self.live.search_path

    # -- copies ---------------------------------------------------------------------------------
    def fork(self) -> CatalogState:
        """An independent copy of the overlay (the live snapshot is shared, read-only)."""
        twin = copy.copy(self)
        twin.routines = {k: dict(v) for k, v in self.routines.items()}
        twin.relations = dict(self.relations)
        twin.triggers = dict(self.triggers)
        twin.types = dict(self.types)
        twin.schemas = dict(self.schemas)
        twin.extensions = dict(self.extensions)
        twin.touched = set(self.touched)
        twin.acted_on = dict(self.acted_on)
        return twin

    def act_on(self, obj: Routine | Relation | Trigger) -> None:
        """Record that the package replaces, alters or drops ``obj`` (only live objects matter)."""
        if obj.origin != "live":
            return
        if isinstance(obj, Routine):
            self.acted_on[(ObjectKind.FUNCTION, obj.schema, obj.signature)] = obj
        elif isinstance(obj, Relation):
            self.acted_on[(ObjectKind.TABLE, obj.schema, obj.name)] = obj
        else:
            self.acted_on[(ObjectKind.TRIGGER, obj.schema, f"{obj.table}.{obj.name}")] = obj

    # -- search path ----------------------------------------------------------------------------
    def explicit_path(self) -> list[str]:
        """The schemas of the search_path setting that exist, in order (``$user`` expanded)."""
        setting = self.local_search_path if self.local_search_path is not None else self.search_path_setting
        key = (setting, self.user(), tuple(sorted(self.schemas.items())))
        cached = self._paths.get(key)
        if cached is not None:
            return list(cached)
        out: list[str] = []
        for item in split_search_path(setting):
            name = self.user() if item == "$user" else self.temp_name() if item == "pg_temp" else item
            if self.schema(name) is not None and name not in out:
                out.append(name)
        self._paths[key] = out
        return list(out)

    def user(self) -> str:
        """The role statements run as at this point (SET ROLE followed)."""
        return self.local_role or self.role or self.live.current_user

    def effective_path(self) -> list[str]:
        """The path lookups use: pg_catalog first unless the setting places it."""
        path = self.explicit_path()
        return path if "pg_catalog" in path else ["pg_catalog", *path]

    def relation_path(self) -> list[str]:
        """The path relations and types are looked up along: the session's temporary schema first, unless
        the setting places it (functions and operators are never looked up there implicitly)."""
        path = self.effective_path()
        temp = self.temp_name()
        return path if temp in path else [temp, *path]

    def temp_name(self) -> str:
        """The session's temporary schema: pg_temp_N, or "pg_temp" before its first temporary object."""
        return self.live.temp_schema or "pg_temp"

    def creation_schema(self) -> str | None:
        path = [s for s in self.explicit_path() if s != self.temp_name()]  # pg_temp only when asked for
        return path[0] if path else None

    # -- schemas, extensions ----------------------------------------------------------------------
    def schema(self, name: str) -> SchemaInfo | None:
        if name == "pg_temp":
            name = self.temp_name()
        if name in self.schemas:
            return self.schemas[name]
        found = self.live.schemas.get(name)
        if found is None and name == self.temp_name():  # made on demand by the first temporary object
            return SchemaInfo(name, True, None)
        return found

    def extension_exists(self, name: str) -> bool:
        if name in self.extensions:
            return self.extensions[name]
        return name in self.live.extensions

    # -- routines -------------------------------------------------------------------------------
    def routines_named(self, schema: str, name: str) -> list[Routine]:
        out: dict[tuple[TypeRef, ...], Routine] = {r.input_types: r for r in self.live.routines.get((schema, name), [])}
        for key, r in self.routines.get((schema, name), {}).items():
            if r is None:
                out.pop(key, None)
            else:
                out[key] = r
        return list(out.values())

    def routine(self, schema: str, name: str, argtypes: tuple[TypeRef, ...]) -> Routine | None:
        over = self.routines.get((schema, name), {})
        if argtypes in over:
            return over[argtypes]
        for r in self.live.routines.get((schema, name), []):
            if r.input_types == argtypes:
                return r
        return None

    def put_routine(self, r: Routine) -> None:
        self.routines.setdefault((r.schema, r.name), {})[r.input_types] = r
        self.touched.add(r.name)

    def drop_routine(self, r: Routine) -> None:
        self.routines.setdefault((r.schema, r.name), {})[r.input_types] = _DROPPED
        self.touched.add(r.name)

    # -- relations ------------------------------------------------------------------------------
    def relation(self, schema: str, name: str) -> Relation | None:
        if (schema, name) in self.relations:
            return self.relations[(schema, name)]
        return self.live.relations.get((schema, name))

    def put_relation(self, rel: Relation) -> None:
        self.relations[(rel.schema, rel.name)] = rel
        self.touched.add(rel.name)

    def drop_relation(self, rel: Relation) -> None:
        self.epoch += 1
        self.relations[(rel.schema, rel.name)] = _DROPPED
        self.touched.add(rel.name)
        if rel.relkind in ("r", "p", "v", "m", "f", "c"):
            self.types[(rel.schema, rel.name)] = _DROPPED
        for key in [k for k in self._trigger_keys() if k[0] == rel.schema and k[1] == rel.name]:
            self.triggers[key] = _DROPPED

    def _trigger_keys(self) -> set[tuple[str, str, str]]:
        return set(self.live.triggers) | set(self.triggers)

    def find_relation(self, schema: str | None, name: str) -> Relation | None:
        """A relation as an unqualified or qualified name finds it (search path order)."""
        if schema is not None:
            return self.relation(self.temp_name() if schema == "pg_temp" else schema, name)
        for s in self.relation_path():
            rel = self.relation(s, name)
            if rel is not None:
                return rel
        return None

    # -- triggers -------------------------------------------------------------------------------
    def trigger(self, schema: str, table: str, name: str) -> Trigger | None:
        if (schema, table, name) in self.triggers:
            return self.triggers[(schema, table, name)]
        return self.live.triggers.get((schema, table, name))

    def put_trigger(self, t: Trigger) -> None:
        self.triggers[(t.schema, t.table, t.name)] = t
        self.touched.add(t.name)

    def drop_trigger(self, t: Trigger) -> None:
        self.triggers[(t.schema, t.table, t.name)] = _DROPPED
        self.touched.add(t.name)

    # -- types ----------------------------------------------------------------------------------
    def type_in(self, schema: str, name: str) -> TypeInfo | None:
        if (schema, name) in self.types:
            return self.types[(schema, name)]
        return self.live.types_by_name.get((schema, name))

    def type_by_ref(self, ref: TypeRef) -> TypeInfo | None:
        if isinstance(ref, int):
            return self.live.types_by_oid.get(ref)
        for t in self.types.values():
            if t is not None and t.ref == ref:
                return t
        return None

    def put_type(self, t: TypeInfo) -> None:
        self.epoch += 1
        self.types[(t.schema, t.name)] = t
        self.touched.add(t.name)

    def drop_type(self, t: TypeInfo) -> None:
        self.epoch += 1
        self.types[(t.schema, t.name)] = _DROPPED
        self.touched.add(t.name)

    def type_display(self, ref: TypeRef | None) -> str:
        if ref is None:
            return "?"
        info = self.type_by_ref(ref)
        if info is not None:
            return info.display
        if isinstance(ref, str):
            return ref.removeprefix("new:")
        return str(ref)
