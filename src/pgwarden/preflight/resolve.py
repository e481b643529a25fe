"""Type resolution by the live server, never by comparing type-name strings.

Type names are looked up in the live catalog snapshot along the search path, as the server's
``LookupTypeName`` does (``varchar`` and ``character varying`` are the same pg_type row); ``%TYPE``
follows the referenced column; a query's result columns (a new view) and an expression's type (a
polymorphic parameter's default) come from *describing* a prepared statement inside the read-only
transaction: parse analysis runs on the server, nothing is executed.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
from pglast import ast
from psycopg import pq
from psycopg import sql as sql_mod

from pgwarden import shipped_sql
from pgwarden.preflight import live as live_mod
from pgwarden.preflight.model import UNKNOWN_OID, CatalogState, Column, TypeInfo, TypeRef
from pgwarden.preflight.names import deparse, name_list, quote_ident, strings
from pgwarden.preflight.prediction import Refusal, ServerError
from pgwarden.rules import Rule

_SAVEPOINT = "pgwarden_preflight_describe"
_COLLATION_CONFLICT = re.compile(r'^collation mismatch between implicit collations "(.+)" and "(.+)"$')


@dataclass(frozen=True)
class Described:
    """Result columns of a query, as the server's parse analysis sees them."""

    columns: tuple[Column, ...]
    error: ServerError | None = None


def type_name_text(tn: Any) -> str:
    """TypeNameToString(): how the server names a type in "type ... does not exist"."""
    text = name_list(strings(tn.names))
    if tn.pct_type:
        text += "%TYPE"
    if tn.arrayBounds:
        text += "[]"
    return text


class Resolver:
    """Resolves names against a :class:`CatalogState`, asking the server only to describe queries."""

    def __init__(self, cur: psycopg.Cursor[Any], state: CatalogState) -> None:
        self.cur = cur
        self.state = state
        self._facts: dict[int, dict[str, Any]] = {}
        self._types: dict[Any, TypeInfo] = {}
        self.role_cache: dict[Any, dict[str, Any]] = {}  # privilege answers after SET ROLE (roles.py)

    def routine_facts(self, oid: int) -> dict[str, Any]:
        """A live routine's facts as seed 000 probed them, read once and only when a finding needs them."""
        if oid not in self._facts:
            self.cur.execute(shipped_sql.load("pgwarden.preflight", "routine_facts.sql"), {"oid": oid})
            row = self.cur.fetchone()
            self._facts[oid] = dict(row) if row else {}
        return self._facts[oid]

    # -- types ----------------------------------------------------------------------------------
    def type_of(self, tn: Any, *, quoted: bool = True) -> TypeInfo:
        """The type a TypeName denotes; raises :class:`Refusal` as the server would.

        ``quoted=False``: function parameters, whose message prints the name without quotes.
        """
        key = None
        if not tn.pct_type:
            key = (self.state.epoch, tuple(self.state.relation_path()), strings(tn.names), bool(tn.arrayBounds))
            hit = self._types.get(key)
            if hit is not None:
                return hit
        info = self._type_of(tn, quoted)
        if key is not None:
            self._types[key] = info
        return info

    def _type_of(self, tn: Any, quoted: bool) -> TypeInfo:
        if tn.pct_type:
            base = self._pct_type(tn)
        else:
            parts = strings(tn.names)
            if len(parts) == 3 and parts[0] != self.state.live.database:
                raise Refusal(
                    Rule.PREFLIGHT_TYPE_MISSING,
                    "0A000",
                    f"cross-database references are not implemented: {name_list(parts)}",
                )
            schema, name = (parts[-2], parts[-1]) if len(parts) >= 2 else (None, parts[-1])
            found = self._lookup(schema, name)
            if found is None:
                shown = f'"{type_name_text(tn)}"' if quoted else type_name_text(tn)
                raise Refusal(
                    Rule.PREFLIGHT_TYPE_MISSING,
                    "42704",
                    f"type {shown} does not exist",
                    fix="create the type first (in an earlier statement or bundle) or fix its name",
                )
            base = found
        if tn.arrayBounds:
            arr = self.state.type_by_ref(base.array_ref) if base.array_ref is not None else None
            if arr is None:
                shown = f'"{type_name_text(tn)}"' if quoted else type_name_text(tn)
                raise Refusal(Rule.PREFLIGHT_TYPE_MISSING, "42704", f"type {shown} does not exist")
            return arr
        return base

    def _lookup(self, schema: str | None, name: str) -> TypeInfo | None:
        if schema is not None:
            if self.state.schema(schema) is None:
                raise Refusal(Rule.PREFLIGHT_MISSING, "3F000", f'schema "{schema}" does not exist')
            return self.state.type_in(self.state.temp_name() if schema == "pg_temp" else schema, name)
        for s in self.state.relation_path():
            t = self.state.type_in(s, name)
            if t is not None:
                return t
        return None

    def _pct_type(self, tn: Any) -> TypeInfo:
        parts = strings(tn.names)
        if len(parts) < 2:
            raise Refusal(
                Rule.PREFLIGHT_TYPE_MISSING,
                "42601",
                f"improper %TYPE reference (too few dotted names): {name_list(parts)}",
            )
        schema = parts[-3] if len(parts) >= 3 else None
        relname, colname = parts[-2], parts[-1]
        rel = self.state.find_relation(schema, relname)
        if rel is None:
            shown = f"{schema}.{relname}" if schema else relname
            raise Refusal(Rule.PREFLIGHT_MISSING, "42P01", f'relation "{shown}" does not exist')
        col = rel.column(colname)
        if col is None:
            if rel.columns is None:
                raise Refusal(Rule.PREFLIGHT_UNVERIFIED, "", "column types of this relation are not known", exact=False)
            raise Refusal(
                Rule.PREFLIGHT_COLUMN_MISSING, "42703", f'column "{colname}" of relation "{relname}" does not exist'
            )
        info = self.type_info(col.type)
        if info is None:
            raise Refusal(Rule.PREFLIGHT_UNVERIFIED, "", "type of the referenced column is not known", exact=False)
        return info

    def type_info(self, ref: TypeRef) -> TypeInfo | None:
        """A type by reference; live OIDs missing from the snapshot are fetched (rarely needed)."""
        info = self.state.type_by_ref(ref)
        if info is None and isinstance(ref, int):
            live_mod.add_types(self.cur, self.state.live, [], [ref])
            info = self.state.type_by_ref(ref)
        return info

    def display(self, ref: TypeRef | None, typmod: int = -1) -> str:
        """format_type(): with a typmod the server formats it (e.g. ``numeric(10,1)``)."""
        if ref is None:
            return "?"
        if typmod >= 0 and isinstance(ref, int):
            self.cur.execute("SELECT pg_catalog.format_type(%s, %s) AS t", (ref, typmod))
            row = self.cur.fetchone()
            return str(row["t"]) if row else str(ref)
        info = self.type_info(ref)
        return self.format_type(info) if info is not None else self.state.type_display(ref)

    def format_type(self, info: TypeInfo) -> str:
        """format_type_be() under the current search path: qualified unless the type is visible."""
        if info.schema == "pg_catalog":
            return info.display
        if info.elem_ref is not None:
            elem = self.type_info(info.elem_ref)
            return self.format_type(elem) + "[]" if elem is not None else info.display
        for s in self.state.relation_path():
            found = self.state.type_in(s, info.name)
            if found is not None:
                if found.ref == info.ref:
                    return quote_ident(info.name)
                break
        return f"{quote_ident(info.schema)}.{quote_ident(info.name)}"

    # -- describing ----------------------------------------------------------------------------
    def describe(self, sql: str) -> Described:
        """Parse-analyse ``sql`` on the server (PREPARE + Describe in a savepoint); never executes it."""
        conn = self.cur.connection
        pg = conn.pgconn
        enc = conn.info.encoding
        with self.user_path(_SAVEPOINT):
            res = pg.prepare(b"", sql.encode(enc))
            if res.status != pq.ExecStatus.COMMAND_OK:
                return Described((), _server_error(res, enc))
            d = pg.describe_prepared(b"")
            if d.status != pq.ExecStatus.COMMAND_OK:
                return Described((), _server_error(d, enc))
            cols = tuple(
                Column((d.fname(i) or b"").decode(enc), int(d.ftype(i)), int(d.fmod(i))) for i in range(d.nfields)
            )
        return Described(cols)

    def describe_objects(self, objects: list[tuple[int, int, int]]) -> list[str]:
        """``pg_describe_object()`` of each (classid, objid, objsubid), as the server prints it in a message about
        a statement: its names qualified unless the statement's search_path shows them."""
        if not objects:
            return []
        with self.user_path(_SAVEPOINT):
            self.cur.execute(
                "SELECT pg_catalog.pg_describe_object(x.c, x.o, x.s) AS d "
                "FROM ROWS FROM (pg_catalog.unnest(%s::pg_catalog.oid[]), "
                "pg_catalog.unnest(%s::pg_catalog.oid[]), pg_catalog.unnest(%s::pg_catalog.int4[])) "
                "WITH ORDINALITY AS x(c, o, s, i) ORDER BY x.i",
                ([c for c, _o, _s in objects], [o for _c, o, _s in objects], [s for _c, _o, s in objects]),
            )
            return [str(r["d"]) for r in self.cur.fetchall()]

    @contextlib.contextmanager
    def user_path(self, savepoint: str) -> Iterator[None]:
        """Run the block where names resolve as the package's do at this point (its search_path), inside a
        savepoint that is rolled back after it, so that pgwarden's own next statement runs under its pin again.
        The block's own words must be schema-qualified."""
        path = self.state.local_search_path
        path = self.state.search_path_setting if path is None else path
        self.cur.execute(
            sql_mod.SQL("SAVEPOINT {}; SELECT pg_catalog.set_config('search_path', {}, true)").format(
                sql_mod.Identifier(savepoint), sql_mod.Literal(path)
            )
        )
        try:
            yield
        finally:
            self.cur.execute(f"ROLLBACK TO SAVEPOINT {savepoint}; RELEASE SAVEPOINT {savepoint}")

    def expr_type(self, node: Any) -> TypeRef | None:
        """exprType() of an expression as a DEFAULT would store it (untyped literals stay unknown)."""
        if _is_unknown_literal(node):
            return UNKNOWN_OID
        d = self.describe(f"SELECT ({deparse(node)})")
        if d.error is not None or len(d.columns) != 1:
            return None
        return d.columns[0].type

    def collation_of(self, query_sql: str, ncols: int, index: int, col: Column) -> str | None:
        """The collation of result column ``index`` of ``query_sql``, learnt from parse analysis.

        A UNION of the column with an implicitly-collated probe raises "collation mismatch between
        implicit collations" naming both, unless they agree or one is the default collation. Two
        probes ("C", then "POSIX") tell every case apart. None: could not be determined.
        """
        info = self.type_info(col.type)
        if info is None:
            return None
        if not info.collatable:
            return None
        aliases = ", ".join(quote_ident(f"pgwarden_c{i + 1}") for i in range(ncols))
        target = quote_ident(f"pgwarden_c{index + 1}")
        seen_c = False
        for probe in ("C", "POSIX"):
            sql = (
                f"SELECT s.{target} FROM ({query_sql}) AS s({aliases}) UNION "
                f'SELECT q.p FROM (SELECT NULL::{info.display} COLLATE "{probe}" AS p) AS q'
            )
            d = self.describe(sql)
            if d.error is None:
                if probe == "C":
                    seen_c = True
                    continue
                return "default"
            m = _COLLATION_CONFLICT.match(d.error.message)
            if d.error.sqlstate != "42P21" or m is None:
                return None
            if m.group(1) != probe:
                return m.group(1)
            return None
        return "C" if seen_c else None


def _is_unknown_literal(node: Any) -> bool:
    if isinstance(node, ast.A_Const):
        return bool(node.isnull) or isinstance(node.val, ast.String)
    if isinstance(node, ast.TypeCast) and node.typeName is not None:
        return strings(node.typeName.names)[-1:] == ("unknown",) and not node.typeName.arrayBounds
    return False


def _server_error(res: Any, enc: str) -> ServerError:
    def field(code: pq.DiagnosticField) -> str | None:
        v = res.error_field(code)
        return v.decode(enc, "replace") if v is not None else None

    return ServerError(
        field(pq.DiagnosticField.SQLSTATE) or "XX000",
        field(pq.DiagnosticField.MESSAGE_PRIMARY) or "",
        field(pq.DiagnosticField.MESSAGE_DETAIL),
        field(pq.DiagnosticField.MESSAGE_HINT),
    )
