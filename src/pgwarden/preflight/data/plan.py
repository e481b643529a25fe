"""Which statements depend on existing rows, and the one read-only query that counts the rows that break each.

Judged against the state *before* the statement: the relation and columns must be live (a relation the
package creates is empty, unless an earlier statement wrote to it). The server's error for each case,
which a refused check reports, is the one the statement would raise:

| statement | SQLSTATE | the server's message |
|---|---|---|
| SET NOT NULL, PRIMARY KEY over NULLs, ADD COLUMN NOT NULL | 23502 | column "c" of relation "t" contains null values |
| ADD CHECK | 23514 | check constraint "n" of relation "t" is violated by some row |
| ADD UNIQUE / PRIMARY KEY, CREATE UNIQUE INDEX | 23505 | could not create unique index "n" |
| ADD FOREIGN KEY | 23503 | insert or update on table "t" violates foreign key constraint "n" |
| ALTER COLUMN TYPE | the cast's own (22P02, 22003, 22001, …) | the server's own, from converting every row |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any

from pglast import ast
from psycopg import sql

from pgwarden import shipped_sql
from pgwarden.parsing.constraint_names import make_object_name
from pgwarden.parsing.source import parse_sql
from pgwarden.parsing.walk import column_names, enum_name, iter_nodes
from pgwarden.preflight import live
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.data.writes import Writes, changed_column
from pgwarden.preflight.model import Relation
from pgwarden.preflight.names import deparse, quote_ident, rangevar_parts, strings
from pgwarden.preflight.tables import SERIAL_TYPES

_TEXT_TYPES = (25, 1043)  # text, varchar: their values go through the new type's input function
_LENGTH_TYPES = {1043: "character varying", 1042: "character"}
# Types whose explicit cast to a typmod refuses what assignment refuses (numeric overflow, time precision).
_SAME_CAST_TYPMODS = frozenset({1700, 1114, 1184, 1083, 1266, 1186})


class CheckKind(StrEnum):
    NOT_NULL = "not_null"  # SET NOT NULL, and the NOT NULL a PRIMARY KEY implies
    CHECK = "check"
    UNIQUE = "unique"
    FOREIGN_KEY = "foreign_key"
    CAST = "cast"  # ALTER COLUMN TYPE [USING]
    ADD_NOT_NULL = "add_not_null"  # ADD COLUMN ... NOT NULL without a default


@dataclass(frozen=True)
class DataCheck:
    kind: CheckKind
    relation: str  # schema.name
    what: str  # "SET NOT NULL on email"
    sqlstate: str
    server_message: str  # what the server says when rows break the statement ("" for a cast: its own)
    query: sql.Composed | None = None  # counts offending rows: columns n, key (and copies for UNIQUE)
    convert: sql.Composed | None = None  # CAST: converts every row; an error is the server's refusal
    key_columns: tuple[str, ...] = ()  # what ``key`` shows: "(id)=(5)"
    not_judged: str | None = None  # decided without a query: why it cannot be judged
    empty: bool = False  # decided without a query: the relation is new and nothing wrote to it


def _q(name: str) -> sql.SQL:
    return sql.SQL(shipped_sql.load("pgwarden.preflight.data", f"{name}.sql"))


def _key(rel: Relation) -> tuple[sql.Composable, tuple[str, ...]]:
    """The row's primary key (or first unique key, or ctid) as text: "(5)" or "(5, a)"."""
    keys = sorted(rel.keys or (), key=lambda k: not k[0])
    cols = keys[0][1] if keys else ()
    if not cols:
        return sql.SQL("ctid::pg_catalog.text"), ("ctid",)
    return _keytext(cols), cols


def _keytext(cols: Sequence[str], prefix: str = "") -> sql.Composable:
    # concat_ws prints each value with its type's output function: no cast, so no cast function a role wrote
    parts = [sql.Identifier(prefix, c) if prefix else sql.Identifier(c) for c in cols]
    return sql.SQL("pg_catalog.concat('(', pg_catalog.concat_ws(', ', {}), ')')").format(sql.SQL(", ").join(parts))


def _cols(node: Any) -> set[str]:
    return set(column_names(node))


def _default_name(table: str, cols: Sequence[str], label: str) -> str:
    """ChooseConstraintName()/ChooseIndexName(): table_col1_col2_label, cut as the server cuts it."""
    return make_object_name(table, "_".join(cols) or None, label)


class Planner:
    """Plans the data checks of one package's statements, in order."""

    def __init__(self, major: int) -> None:
        self.major = major
        self.writes = Writes()
        self.not_valid: dict[tuple[str, str, str], Any] = {}  # constraints the package adds NOT VALID
        self._only = False  # the statement names ONLY its table

    def plan(self, node: Any, ctx: Ctx) -> list[DataCheck]:
        kind = type(node).__name__
        self._only = kind in ("AlterTableStmt", "IndexStmt") and node.relation is not None and not node.relation.inh
        if kind == "AlterTableStmt" and enum_name(node.objtype) == "OBJECT_TABLE":
            rel = self._rel(node.relation, ctx)
            if rel is None or rel.relkind not in ("r", "p"):
                return []
            out: list[DataCheck] = []
            for cmd in node.cmds or ():
                out += self._alter(cmd, rel, ctx)
                col = changed_column(cmd)  # a later subcommand meets the values this one changes: not judged
                if col is not None:
                    self.writes.by_column.setdefault(
                        (rel.schema, rel.name, col), f"{ctx.origin} (an earlier subcommand of the same ALTER TABLE)"
                    )
            return out
        if kind == "IndexStmt" and node.unique:
            rel = self._rel(node.relation, ctx)
            if rel is None or rel.relkind not in ("r", "p") or (rel.relkind == "p" and self._only):
                return []  # CREATE INDEX ON ONLY a partitioned table: an invalid index, no rows are read
            name = (
                str(node.idxname)
                if node.idxname
                else _default_name(rel.name, [str(e.name) if e.name else "expr" for e in node.indexParams], "idx")
            )
            return [
                self._unique(
                    rel,
                    node.indexParams,
                    node.whereClause,
                    bool(getattr(node, "nulls_not_distinct", False)),
                    name,
                    "CREATE UNIQUE INDEX",
                )
            ]
        return []

    def note(self, node: Any, ctx: Ctx, who: str) -> None:
        self.writes.note(node, ctx, who)

    def _from(self, rel: Relation, *, own: bool = False) -> sql.Composable:
        """The relation to read: ``ONLY`` a plain table's own rows when the statement says ONLY, or when what it
        checks covers only that table (an index, a foreign key, a NO INHERIT check); a partitioned table always
        with its partitions."""
        t = sql.Identifier(rel.schema, rel.name)
        if rel.relkind == "r" and (own or self._only):
            return sql.SQL("ONLY {}").format(t)
        return t

    @staticmethod
    def _rel(rv: Any, ctx: Ctx) -> Relation | None:
        schema, name = rangevar_parts(rv)
        return ctx.state.find_relation(schema, name)

    def _gate(
        self,
        kind: CheckKind,
        rel: Relation,
        what: str,
        sqlstate: str,
        message: str,
        cols: set[str],
        others: Sequence[Relation] = (),
    ) -> DataCheck | None:
        """Decided without a query, or None when the query must run."""
        decided = partial(DataCheck, kind, f"{rel.schema}.{rel.name}", what, sqlstate, message)
        who = self.writes.depends([(r.schema, r.name) for r in (rel, *others)], cols)
        if who is not None:
            return decided(
                not_judged=f"depends on {who}, which changes the rows first; a data rehearsal "
                "(apply --rehearse data) judges it"
            )
        if rel.oid is None:
            return decided(empty=True)
        missing = sorted(c for c in cols if rel.column(c) is None)
        if missing:
            return decided(not_judged=f"column {missing[0]} is added by the package, so the live rows cannot show it")
        return None

    def _alter(self, cmd: Any, rel: Relation, ctx: Ctx) -> list[DataCheck]:
        sub = enum_name(cmd.subtype)
        if sub == "AT_SetNotNull":  # a column already NOT NULL: a no-op with nothing to count
            return [] if str(cmd.name) in rel.not_null else [self._not_null(rel, str(cmd.name), "SET NOT NULL")]
        if sub == "AT_ValidateConstraint":
            return self._validate(rel, str(cmd.name), ctx)
        if sub == "AT_AddConstraint":
            con = cmd.def_
            ctype = enum_name(con.contype)
            if con.skip_validation:
                if con.conname:
                    self.not_valid[(rel.schema, rel.name, str(con.conname))] = con
                return []
            if ctype == "CONSTR_CHECK":
                return [self._check(rel, con)]
            if ctype == "CONSTR_FOREIGN":
                return [self._foreign_key(rel, con, ctx)]
            if ctype in ("CONSTR_PRIMARY", "CONSTR_UNIQUE") and not con.indexname:
                cols = strings(con.keys)
                label = "pkey" if ctype == "CONSTR_PRIMARY" else "key"
                name = (
                    str(con.conname) if con.conname else _default_name(rel.name, cols if label == "key" else (), label)
                )
                word = "ADD PRIMARY KEY" if label == "pkey" else "ADD UNIQUE"
                params = [ast.IndexElem(name=c) for c in cols]
                out = [self._unique(rel, params, None, bool(getattr(con, "nulls_not_distinct", False)), name, word)]
                if label == "pkey":
                    out += [self._not_null(rel, c, "ADD PRIMARY KEY") for c in cols if c not in rel.not_null]
                return out
            return []
        if sub == "AT_AlterColumnType":
            return self._cast(cmd, rel, ctx)
        if sub == "AT_AddColumn":  # ADD COLUMN IF NOT EXISTS of a column that exists does nothing
            exists = cmd.missing_ok and cmd.def_ is not None and rel.column(str(cmd.def_.colname)) is not None
            return [] if exists else self._add_not_null(cmd.def_, rel)
        return []

    def _validate(self, rel: Relation, name: str, ctx: Ctx) -> list[DataCheck]:
        """VALIDATE CONSTRAINT checks the rows against a NOT VALID check or foreign key: the package's own
        definition, or the live one (pg_get_constraintdef, parsed back into the same AST)."""
        con = self.not_valid.get((rel.schema, rel.name, name))
        if con is None and rel.oid is not None:
            cur = ctx.resolver.cur
            cur.execute(
                shipped_sql.load("pgwarden.preflight.data", "constraint_def.sql"), {"oid": rel.oid, "name": name}
            )
            row = cur.fetchone()
            if row is None or row["contype"] not in ("c", "f"):
                return []
            stmt = parse_sql(f"ALTER TABLE t ADD CONSTRAINT {quote_ident(name)} {row['def']}", "<constraint>")[0]
            con = stmt.node.cmds[0].def_
        if con is None:
            return []
        kind = enum_name(con.contype)
        if kind == "CONSTR_CHECK":
            return [self._check(rel, con, word="VALIDATE")]
        if kind == "CONSTR_FOREIGN":
            return [self._foreign_key(rel, con, ctx, word="VALIDATE")]
        return []

    def _not_null(self, rel: Relation, col: str, word: str) -> DataCheck:
        msg = f'column "{col}" of relation "{rel.name}" contains null values'
        what = f"{word} on {col}"
        decided = self._gate(CheckKind.NOT_NULL, rel, what, "23502", msg, {col})
        if decided is not None:
            return decided
        key, cols = _key(rel)
        q = _q("not_null").format(key=key, table=self._from(rel), column=sql.Identifier(col))
        return DataCheck(CheckKind.NOT_NULL, f"{rel.schema}.{rel.name}", what, "23502", msg, q, key_columns=cols)

    def _check(self, rel: Relation, con: Any, word: str = "ADD") -> DataCheck:
        expr = con.raw_expr
        cols = _cols(expr)
        if any(isinstance(n, ast.SubLink) for n in iter_nodes(expr)):
            return DataCheck(
                CheckKind.CHECK,
                f"{rel.schema}.{rel.name}",
                f"ADD CHECK ({deparse(expr)})",
                "23514",
                "",
                not_judged="the expression has a subquery, which PostgreSQL refuses in a CHECK constraint",
            )
        name = (
            str(con.conname)
            if con.conname
            else _default_name(rel.name, sorted(cols) if len(cols) == 1 else [], "check")
        )
        msg = f'check constraint "{name}" of relation "{rel.name}" is violated by some row'
        what = (
            f"ADD CHECK ({deparse(expr)})" if word == "ADD" else f"VALIDATE CONSTRAINT {name} CHECK ({deparse(expr)})"
        )
        decided = self._gate(CheckKind.CHECK, rel, what, "23514", msg, cols)
        if decided is not None:
            return decided
        key, kcols = _key(rel)
        q = _q("check").format(
            key=key, table=self._from(rel, own=bool(getattr(con, "is_no_inherit", False))), expr=sql.SQL(deparse(expr))
        )
        return DataCheck(CheckKind.CHECK, f"{rel.schema}.{rel.name}", what, "23514", msg, q, key_columns=kcols)

    def _unique(
        self, rel: Relation, params: Sequence[Any], where: Any, nulls_not_distinct: bool, name: str, word: str
    ) -> DataCheck:
        exprs: list[sql.Composable] = []
        labels: list[str] = []
        cols: set[str] = set()
        for p in params:
            if p.name:
                exprs.append(sql.Identifier(str(p.name)))
                labels.append(str(p.name))
                cols.add(str(p.name))
            else:
                text = deparse(p.expr)
                exprs.append(sql.SQL("({})").format(sql.SQL(text)))
                labels.append(text)
                cols |= _cols(p.expr)
        if where is not None:
            cols |= _cols(where)
        msg = f'could not create unique index "{name}"'
        what = f"{word} ({', '.join(labels)})"
        decided = self._gate(CheckKind.UNIQUE, rel, what, "23505", msg, cols)
        if decided is not None:
            return decided
        nulls = (
            sql.SQL("true")
            if nulls_not_distinct
            else sql.SQL(" AND ").join(
                # a composite with NULL fields counts
                sql.SQL("pg_catalog.num_nulls({}) OPERATOR(pg_catalog.=) 0").format(e)
                for e in exprs
            )
        )
        keytext = sql.SQL("pg_catalog.concat('(', pg_catalog.concat_ws(', ', {}), ')')").format(
            sql.SQL(", ").join(sql.SQL("({})").format(e) for e in exprs)
        )
        q = _q("unique").format(
            keytext=keytext,
            table=self._from(rel, own=True),
            nulls=nulls,
            pred=sql.SQL(deparse(where)) if where is not None else sql.SQL("true"),
            cols=sql.SQL(", ").join(exprs),
        )
        return DataCheck(CheckKind.UNIQUE, f"{rel.schema}.{rel.name}", what, "23505", msg, q, key_columns=tuple(labels))

    def _foreign_key(self, rel: Relation, con: Any, ctx: Ctx, word: str = "ADD") -> DataCheck:
        fk = list(strings(con.fk_attrs))
        parent = self._rel(con.pktable, ctx)
        pschema, pname = rangevar_parts(con.pktable)
        if parent is None:  # a table the statement does not name (VALIDATE CONSTRAINT): read it now
            live.extend(ctx.resolver.cur, ctx.state.live, {pname})
            parent = self._rel(con.pktable, ctx)
        ptable = parent.name if parent is not None else pname
        name = str(con.conname) if con.conname else _default_name(rel.name, fk, "fkey")
        msg = f'insert or update on table "{rel.name}" violates foreign key constraint "{name}"'
        what = (
            f"ADD FOREIGN KEY ({', '.join(fk)}) REFERENCES {ptable}"
            if word == "ADD"
            else f"VALIDATE CONSTRAINT {name} FOREIGN KEY ({', '.join(fk)}) REFERENCES {ptable}"
        )
        check = partial(DataCheck, CheckKind.FOREIGN_KEY, f"{rel.schema}.{rel.name}", what, "23503", msg)
        if parent is None:
            return check(not_judged=f"the referenced table {pschema + '.' if pschema else ''}{pname} is not known")
        pk = list(strings(con.pk_attrs))
        if not pk:
            primary = [k for k in parent.keys or () if k[0]]
            pk = list(primary[0][1]) if primary else []
        decided = self._gate(CheckKind.FOREIGN_KEY, rel, what, "23503", msg, set(fk), [parent])
        if decided is not None:
            return decided
        if not pk or len(pk) != len(fk) or (parent.oid is not None and any(parent.column(c) is None for c in pk)):
            return check(not_judged="the referenced columns are not known")
        c_cols = [sql.Identifier("c", c) for c in fk]
        all_set = sql.SQL(" AND ").join(sql.SQL("{} IS NOT NULL").format(c) for c in c_cols)
        if parent.oid is None:  # a new, empty parent: every complete key is an orphan
            q = _q("orphans_all").format(keytext=_keytext(fk, "c"), child=self._from(rel, own=True), all_set=all_set)
        else:
            join = sql.SQL(" AND ").join(
                sql.SQL("{} OPERATOR(pg_catalog.=) {}").format(sql.Identifier("p", p), c)
                for p, c in zip(pk, c_cols, strict=True)
            )
            full = str(con.fk_matchtype) == "f"
            partly = sql.SQL(
                "pg_catalog.num_nulls({0}) OPERATOR(pg_catalog.>=) 1 AND pg_catalog.num_nulls({0}) "
                "OPERATOR(pg_catalog.<=) {1}"
            ).format(sql.SQL(", ").join(c_cols), sql.Literal(len(fk) - 1))
            q = _q("foreign_key").format(
                keytext=_keytext(fk, "c"),
                child=self._from(rel, own=True),
                all_set=all_set,
                parent=self._from(parent, own=True),
                join=join,
                full=sql.SQL("true" if full else "false"),
                partly_null=partly if len(fk) > 1 else sql.SQL("false"),
            )
        return check(q, key_columns=tuple(fk))

    def _cast(self, cmd: Any, rel: Relation, ctx: Ctx) -> list[DataCheck]:
        col = str(cmd.name)
        tn = cmd.def_.typeName if cmd.def_ is not None else None
        if tn is None:
            return []
        using = cmd.def_.raw_default
        by_assignment = using is None  # without USING the server converts by assignment, not by an explicit cast
        type_text = deparse(tn)
        if (
            isinstance(using, ast.TypeCast)
            and isinstance(using.arg, ast.ColumnRef)
            and deparse(using.arg) == col
            and deparse(using.typeName) == type_text
        ):
            using = None  # USING col::newtype is the conversion the server does without USING
        what = f"ALTER COLUMN {col} TYPE {type_text}" + (f" USING {deparse(using)}" if using is not None else "")
        cols = _cols(using) if using is not None else {col}
        decided = self._gate(CheckKind.CAST, rel, what, "", "", cols)
        if decided is not None:
            return [decided]
        expr = sql.SQL(deparse(using)) if using is not None else sql.Identifier(col)
        table = sql.Identifier(rel.schema, rel.name)
        convert = _q("cast_all").format(expr=expr, type=sql.SQL(type_text), table=table)
        key, kcols = _key(rel)
        d = ctx.resolver.describe(f"SELECT NULL::{type_text}")
        new_type, new_mod = (d.columns[0].type, d.columns[0].typmod) if d.error is None and d.columns else (None, -1)
        query = None
        live = rel.column(col)
        cast = partial(DataCheck, CheckKind.CAST, f"{rel.schema}.{rel.name}", what, "", "")
        if new_type is None or live is None or not isinstance(live.type, int):
            return [cast(not_judged="the new type is not live")]
        if new_mod != -1 and new_type not in _LENGTH_TYPES and new_type not in _SAME_CAST_TYPMODS:
            return [
                cast(
                    not_judged=f"an explicit cast to {type_text} "
                    "truncates where the rewrite's assignment refuses, so converting cannot tell"
                )
            ]
        if by_assignment:
            cur = ctx.resolver.cur
            cur.execute(
                shipped_sql.load("pgwarden.preflight.data", "assignment_cast.sql"),
                {"source": live.type, "target": new_type},
            )
            row = cur.fetchone()
            if not (row and row["ok"]):
                return [
                    cast(
                        not_judged="without USING the server converts "
                        f"by assignment, and nothing converts {live.display or 'it'} to {type_text} by "
                        "assignment (it would refuse with 42804)"
                    )
                ]
        if new_type in _LENGTH_TYPES and new_mod > 4:  # assignment to varchar(n)/char(n) refuses longer values
            query = _q("too_long").format(key=key, table=table, expr=expr, length=sql.Literal(new_mod - 4))
        elif (
            using is None
            and live is not None
            and live.type in _TEXT_TYPES
            and new_type is not None
            and self.major >= 16
        ):
            query = _q("cast_rows").format(
                key=key, table=table, column=sql.Identifier(col), type=sql.Literal(type_text)
            )
        return [cast(query, convert, kcols)]

    def _add_not_null(self, col: Any, rel: Relation) -> list[DataCheck]:
        kinds = {enum_name(c.contype) for c in col.constraints or ()}
        typename = str(col.typeName.names[-1].sval) if col.typeName is not None and col.typeName.names else ""
        if "CONSTR_NOTNULL" not in kinds and "CONSTR_PRIMARY" not in kinds:
            return []
        if kinds & {"CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"} or typename in SERIAL_TYPES:
            return []
        name = str(col.colname)
        msg = f'column "{name}" of relation "{rel.name}" contains null values'
        what = f"ADD COLUMN {name} NOT NULL without a default"
        decided = self._gate(CheckKind.ADD_NOT_NULL, rel, what, "23502", msg, set())
        if decided is not None:
            return [decided]
        key, kcols = _key(rel)
        q = _q("nonempty").format(key=key, table=sql.Identifier(rel.schema, rel.name))
        return [DataCheck(CheckKind.ADD_NOT_NULL, f"{rel.schema}.{rel.name}", what, "23502", msg, q, key_columns=kcols)]
