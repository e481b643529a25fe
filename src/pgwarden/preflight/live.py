"""Reading the live catalog in a few batched queries: one per catalog, for every name at once.

The package's SQL is scanned once (PostgreSQL's own scanner, via pglast) for every identifier and
keyword it contains; each catalog is then queried with ``name = ANY(...)``. Over-fetching (a name
that is a column, not a function) costs nothing; querying per statement would cost a round trip each.
pg_catalog's types are always loaded (the grammar turns ``integer`` into ``pg_catalog.int4``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import psycopg
from pglast import ast
from pglast.parser import ParseError, scan

from pgwarden import shipped_sql
from pgwarden.pg import search_path
from pgwarden.preflight.model import Column, LiveCatalog, Param, Relation, Routine, SchemaInfo, Trigger, TypeInfo
from pgwarden.preflight.names import quote_ident

NAMEDATALEN = 64
_NAME_TOKENS = ("IDENT", "UIDENT")
_MODE_WORD = {"o": "OUT ", "b": "INOUT ", "v": "VARIADIC ", "t": ""}


def names_in_sql(texts: Iterable[str]) -> set[str]:
    """Every identifier and keyword of the SQL, as the server would fold it."""
    out: set[str] = set()
    for text in texts:
        try:
            tokens = scan(text)
        except ParseError:
            continue
        for t in tokens:
            if t.name in _NAME_TOKENS or t.kind != "NO_KEYWORD":
                word = text[t.start : t.end + 1]
                if word.startswith('"') and word.endswith('"') and len(word) >= 2:
                    word = word[1:-1].replace('""', '"')
                elif word.startswith(("U&", "u&")):
                    continue
                else:
                    word = word.lower()
                out.add(word.encode("utf-8")[: NAMEDATALEN - 1].decode("utf-8", "ignore"))
    return out


def collect_names(nodes: Iterable[Any]) -> set[str]:
    """Every short string in ASTs (used for the few nodes checked for references, e.g. a view's query)."""
    out: set[str] = set()
    stack: list[Any] = list(nodes)
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Node):
            for attr in item:
                value = getattr(item, attr)
                if isinstance(value, str):
                    if 0 < len(value) < NAMEDATALEN and "\x00" not in value:
                        out.add(value)
                elif isinstance(value, ast.Node | tuple):
                    stack.append(value)
        elif isinstance(item, tuple):
            stack.extend(item)
    return out


def load(cur: psycopg.Cursor[Any], names: set[str]) -> LiveCatalog:
    """The snapshot for ``names`` (``cur`` is a dict-row cursor inside a read-only transaction)."""
    cur.execute(shipped_sql.load("pgwarden.preflight", "session.sql"))
    s = cur.fetchone()
    assert s is not None
    live = LiveCatalog(
        server_version_num=s["server_version_num"],
        current_user=s["current_user"],
        session_user=s["session_user"],
        database=s["database"],
        search_path=search_path.target_default(cur.connection),
        temp_schema=s["temp_schema"],
        superuser=bool(s["superuser"]),
        can_create_schema=bool(s["can_create_schema"]),
    )
    cur.execute(shipped_sql.load("pgwarden.preflight", "schemas.sql"))
    for row in cur.fetchall():
        live.schemas[row["name"]] = SchemaInfo(row["name"], bool(row["can_create"]), row["oid"])
    cur.execute(shipped_sql.load("pgwarden.preflight", "extensions.sql"))
    live.extensions = {row["name"] for row in cur.fetchall()}
    cur.execute(shipped_sql.load("pgwarden.preflight", "languages.sql"))
    live.languages = {row["name"]: bool(row["installed"]) for row in cur.fetchall()}
    extend(cur, live, names, catalog=True)
    return live


def extend(cur: psycopg.Cursor[Any], live: LiveCatalog, names: set[str], *, catalog: bool = False) -> None:
    """Add the routines, relations, triggers and types named ``names`` (only those not loaded yet)."""
    wanted = sorted(names - live.loaded_names)
    if not wanted and not catalog:
        return
    live.loaded_names.update(wanted)
    cur.execute(shipped_sql.load("pgwarden.preflight", "routines.sql"), {"names": wanted})
    rows = cur.fetchall()
    cur.execute(shipped_sql.load("pgwarden.preflight", "relations.sql"), {"names": wanted})
    for row in cur.fetchall():
        rel = _relation(row)
        live.relations[(rel.schema, rel.name)] = rel
    cur.execute(shipped_sql.load("pgwarden.preflight", "triggers.sql"), {"names": wanted})
    for row in cur.fetchall():
        t = Trigger(
            row["schema"],
            row["table_name"],
            row["name"],
            bool(row["internal"]),
            bool(row["child"]),
            bool(row["is_constraint"]),
            row["oid"],
            facts={"definition_md5": row["def_md5"]},
        )
        live.triggers[(t.schema, t.table, t.name)] = t
    oids = {o for row in rows for o in (row["allargtypes"] or row["argtypes"] or ())}
    oids |= {row["rettype"] for row in rows}
    oids |= {c.type for rel in live.relations.values() for c in rel.columns or () if isinstance(c.type, int)}
    add_types(cur, live, wanted, oids, catalog=catalog)
    for row in rows:
        r = _routine(row, live)
        live.routines.setdefault((r.schema, r.name), []).append(r)


def add_types(
    cur: psycopg.Cursor[Any], live: LiveCatalog, names: list[str], oids: Iterable[int], *, catalog: bool = False
) -> None:
    """Fetch types by name (with their array and element types) and by OID into the snapshot."""
    want_oids = sorted({o for o in oids if o not in live.types_by_oid})
    if not names and not want_oids and not catalog:
        return
    cur.execute(
        shipped_sql.load("pgwarden.preflight", "types.sql"), {"names": names, "oids": want_oids, "catalog": catalog}
    )
    for row in cur.fetchall():
        t = TypeInfo(
            row["oid"],
            row["schema"],
            row["name"],
            row["display"],
            bool(row["collatable"]),
            row["array_oid"],
            row["relkind"],
            row["elem_oid"],
            bool(row["shell"]),
            bool(row["pseudo"]),
        )
        live.types_by_oid[row["oid"]] = t
        live.types_by_name[(t.schema, t.name)] = t


def _routine(row: dict[str, Any], live: LiveCatalog) -> Routine:
    """pg_proc's arrays as parameters; the last ``pronargdefaults`` inputs have defaults."""
    types = row["allargtypes"] or row["argtypes"] or []
    modes = row["argmodes"] or ["i"] * len(types)
    names = row["argnames"] or [""] * len(types)
    n_inputs = sum(1 for m in modes if m in ("i", "b", "v"))
    first_default = n_inputs - int(row["nargdefaults"] or 0)
    params = []
    k = 0
    for typ, mode, name in zip(types, modes, names, strict=False):
        info = live.types_by_oid.get(typ)
        shown = info.display if info else str(typ)
        head = _MODE_WORD.get(mode, "") + (f"{quote_ident(name)} " if name else "") + shown
        has_default = False
        if mode in ("i", "b", "v"):
            has_default = k >= first_default
            k += 1
        params.append(Param(name or None, mode, int(typ), has_default, None, head))
    args = [
        live.types_by_oid[p.type].display if p.type in live.types_by_oid else str(p.type)
        for p in params
        if p.mode in ("i", "b", "v")
    ]
    signature = f"{quote_ident(row['name'])}({','.join(args)})"
    return Routine(
        row["schema"],
        row["name"],
        row["kind"],
        tuple(params),
        int(row["rettype"]),
        bool(row["retset"]),
        bool(row["owned"]),
        row["owner"],
        signature,
        "live",
        row["oid"],
        row["aggkind"],
        row["aggnumdirectargs"],
    )


def _relation(row: dict[str, Any]) -> Relation:
    cols = row["columns"] or []
    columns = tuple(Column(c["name"], int(c["type"]), int(c["typmod"]), c["collation"], c["display"]) for c in cols)
    facts: dict[str, Any] = {
        "relkind": row["relkind"],
        "owner": row["owner"],
        "columns": ", ".join(f"{c.name} {c.display}" for c in columns),
    }
    if row["view_md5"]:
        facts["definition_md5"] = row["view_md5"]
    return Relation(
        row["schema"],
        row["name"],
        row["relkind"],
        columns,
        bool(row["owned"]),
        row["owner"],
        row["oid"],
        "live",
        row["index_table"],
        facts,
        frozenset(row["constraints"] or ()),
        frozenset(row["traits"] or ()),
        tuple((k[0] == "P", tuple(k[2:].split(","))) for k in row["keys"] or ()),
        frozenset(_unquote(n) for n in row["not_null"] or () if n),
        tuple(
            (f["name"], tuple(f["columns"]), f["schema"], f["table"])
            for f in (json.loads(x) for x in row["foreign_keys"] or ())
        ),
    )


def _unquote(ident: str) -> str:
    """A column name as pg_get_constraintdef prints it ("Mixed""Case" or plain) -> the name."""
    if ident.startswith('"') and ident.endswith('"'):
        return ident[1:-1].replace('""', '"')
    return ident
