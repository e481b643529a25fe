"""Decoys for every name pgwarden's own SQL resolves: what a database owner who is not a superuser can plant.

:func:`names_in_code` reads pgwarden's SQL out of its source (every ``.sql`` file it ships, and every string in
its Python that parses as SQL), with PostgreSQL's parser, and lists the functions, aggregates, operators, types
and relations it names without a schema or in ``pg_catalog``. :func:`plant` creates, as the hostile role, a
twin of each in ``public`` (same argument and result types, so the twin is the exact match), each of which
writes ``pgwarden-decoy-hit <what> <database>`` to the server log when it runs, and sets the database's
``search_path`` to ``public, pg_catalog`` so that every twin comes before the real one. Nothing is listed by
hand: a name pgwarden starts to use is planted the next time the test runs.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from pglast import parse_sql
from pglast.visitors import Visitor

SRC = Path(__file__).resolve().parents[1] / "src" / "pgwarden"
MARK = "pgwarden-decoy-hit"
_REG_TYPES = {"regclass": "rel", "regproc": "func", "regprocedure": "func", "regtype": "type"}


@dataclass
class Names:
    functions: set[tuple[str, int]] = field(default_factory=set)  # (name, number of arguments)
    operators: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    relations: set[str] = field(default_factory=set)


class _Collect(Visitor):
    def __init__(self, out: Names) -> None:
        super().__init__()
        self.out = out

    @staticmethod
    def _unqualified(parts: list[str]) -> str | None:
        return parts[-1] if len(parts) == 1 or parts[0] == "pg_catalog" else None

    def visit_FuncCall(self, _parent: object, node: object) -> None:
        name = self._unqualified([p.sval for p in node.funcname])  # type: ignore[attr-defined]
        if name:
            self.out.functions.add((name, len(node.args or ())))  # type: ignore[attr-defined]

    def visit_A_Expr(self, _parent: object, node: object) -> None:
        name = self._unqualified([p.sval for p in node.name or ()])  # type: ignore[attr-defined]
        if name == "BETWEEN" or name == "NOT BETWEEN":
            self.out.operators |= {">=", "<="}
        elif name:
            self.out.operators.add(name)

    def visit_TypeCast(self, _parent: object, node: object) -> None:
        names = [p.sval for p in node.typeName.names]  # type: ignore[attr-defined]
        name = self._unqualified(names)
        arg = node.arg  # type: ignore[attr-defined]
        literal = getattr(getattr(arg, "val", None), "sval", None)
        if (
            name in _REG_TYPES
            and isinstance(literal, str)
            and ("." not in literal or literal.startswith("pg_catalog."))
        ):  # 'pg_class'::regclass: a name lookup
            bare = literal.split(".")[-1].split("(")[0].strip('"')
            kind = _REG_TYPES[name]
            if kind == "rel":
                self.out.relations.add(bare)
            elif kind == "type":
                self.out.types.add(bare)
            else:
                self.out.functions.add((bare, -1))

    def visit_TypeName(self, _parent: object, node: object) -> None:
        name = self._unqualified([p.sval for p in node.names])  # type: ignore[attr-defined]
        if name and len(node.names) == 1:  # type: ignore[attr-defined]
            self.out.types.add(name)

    def visit_RangeVar(self, _parent: object, node: object) -> None:
        if node.schemaname in (None, "pg_catalog"):  # type: ignore[attr-defined]
            self.out.relations.add(node.relname)  # type: ignore[attr-defined]


def _texts() -> list[str]:
    out = [p.read_text() for p in SRC.rglob("*.sql") if "demo" not in p.parts]
    for p in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 6:
                out.append(node.value)
            elif isinstance(node, ast.JoinedStr):
                out.append("".join(str(v.value) if isinstance(v, ast.Constant) else "x" for v in node.values))
    return out


def _sql_form(text: str) -> str:
    """A template as the parser can read it: parameters and format fields become plain values."""
    text = re.sub(r"%\((\w+)\)s", "NULL", text).replace("%s", "NULL").replace("%%", "%")
    return re.sub(r"\{(\w*)\}", "x", text)


def names_in_code() -> Names:
    names = Names()
    for text in _texts():
        for candidate in (_sql_form(text), "SELECT " + _sql_form(text)):
            try:
                tree = parse_sql(candidate)
            except Exception:
                continue
            _Collect(names)(tree)
            break
    return names


_HIT = f"""CREATE FUNCTION public.pgwarden_decoy_hit(what text) RETURNS boolean LANGUAGE plpgsql
SET search_path = pg_catalog AS $f$ BEGIN RAISE LOG '{MARK} % %', what, current_database(); RETURN true; END $f$"""
_NOT_IN_PLPGSQL = {
    '"any"',
    "internal",
    "cstring",
    "trigger",
    "event_trigger",
    "language_handler",
    "fdw_handler",
    "index_am_handler",
    "table_am_handler",
    "tsm_handler",
    "anyelement",
    "anyarray",
    "anynonarray",
    "anyenum",
    "anyrange",
    "anymultirange",
    "anycompatible",
    "anycompatiblearray",
    "anycompatiblenonarray",
    "anycompatiblerange",
    "anycompatiblemultirange",
    "record",
    "void",
}


def _body(label: str, returns: str) -> str:
    ret = "RETURN;" if returns.startswith(("SETOF ", "TABLE(")) or returns == "void" else "RETURN NULL;"
    return (
        f"LANGUAGE plpgsql SET search_path = pg_catalog AS $f$ BEGIN RAISE LOG '{MARK} % %', "
        f"{_literal(label)}, current_database(); {ret} END $f$"
    )


def _literal(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _plpgsql_types_ok(*types: str) -> bool:
    return not any(t.replace("[]", "").replace("SETOF ", "") in _NOT_IN_PLPGSQL for t in types)


@dataclass
class Planted:
    functions: list[str] = field(default_factory=list)
    aggregates: list[str] = field(default_factory=list)
    operators: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    relations: list[str] = field(default_factory=list)


def plant(admin_dsn: str, owner_dsn: str, database: str, names: Names) -> Planted:
    """As the owner of ``database`` (``owner_dsn``), a twin in ``public`` of every pg_catalog object ``names``
    lists; then ``ALTER DATABASE … SET search_path = public, pg_catalog``. Returns what was planted."""
    stmts: list[tuple[str, str, str]] = []  # (kind, label, statement)
    fnames = sorted({n for n, _ in names.functions})
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute("SET search_path = pg_catalog")
        rows = conn.execute(
            "SELECT p.oid::int, p.proname::text, p.prokind::text, pg_get_function_identity_arguments(p.oid), "
            "pg_get_function_result(p.oid), p.proargtypes::regtype[]::text[], p.prorettype::regtype::text, "
            "p.provariadic <> 0 "
            "FROM pg_proc p WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname = ANY(%s) "
            "ORDER BY 1",
            (fnames,),
        ).fetchall()
        for i, (_oid, name, kind, args, result, argtypes, rettype, variadic) in enumerate(rows):
            label = f"function {name}({args})"
            if kind == "f" and not variadic and _plpgsql_types_ok(*argtypes, rettype):
                stmts.append(
                    (
                        "functions",
                        label,
                        f"CREATE FUNCTION public.{_ident(name)}({args}) RETURNS {result} " + _body(label, result),
                    )
                )
            elif kind == "a" and _plpgsql_types_ok(*argtypes, rettype):
                sf = f"pgwarden_decoy_agg_{i}"
                arglist = ", ".join(argtypes)
                stmts.append(
                    (
                        "aggregates",
                        f"aggregate {name}({args})",
                        f"CREATE FUNCTION public.{sf}({', '.join([rettype, *argtypes])}) RETURNS {rettype} "
                        + _body(f"aggregate {name}({args})", rettype)
                        + ";\n"
                        f"CREATE AGGREGATE public.{_ident(name)}({arglist or '*'}) "
                        f"(SFUNC = public.{sf}, STYPE = {rettype})",
                    )
                )
        # functions only pg_catalog's VARIADIC "any" takes: a text twin for each arity pgwarden calls them with
        for name, arity in sorted(names.functions):
            if (
                arity > 0
                and any(r[1] == name and r[7] for r in rows)
                and not any(r[1] == name and not r[7] and len(r[5]) == arity for r in rows)
            ):
                rettype = next(r[6] for r in rows if r[1] == name)
                if _plpgsql_types_ok(rettype):
                    label = f"function {name}(text x {arity})"
                    stmts.append(
                        (
                            "functions",
                            label,
                            f"CREATE FUNCTION public.{_ident(name)}"
                            f"({', '.join(['text'] * arity)}) RETURNS {rettype} " + _body(label, rettype),
                        )
                    )
        ops = conn.execute(
            "SELECT o.oid::int, o.oprname::text, o.oprleft::regtype::text, o.oprright::regtype::text, "
            "o.oprresult::regtype::text FROM pg_operator o WHERE o.oprnamespace = 'pg_catalog'::regnamespace "
            "AND o.oprname = ANY(%s) AND o.oprcode <> 0 ORDER BY 1",
            (sorted(names.operators),),
        ).fetchall()
        for oid, name, left, right, result in ops:
            if not _plpgsql_types_ok(left, right, result):
                continue
            fn = f"pgwarden_decoy_op_{oid}"
            args = [t for t in (left, right) if t != "-"]
            label = f"operator {name}({left}, {right})"
            sides = (f"LEFTARG = {left}, " if left != "-" else "") + f"RIGHTARG = {right}"
            stmts.append(
                (
                    "operators",
                    label,
                    f"CREATE FUNCTION public.{fn}({', '.join(args)}) RETURNS {result} "
                    + _body(label, result)
                    + f";\nCREATE OPERATOR public.{name} ({sides}, FUNCTION = public.{fn})",
                )
            )
        types = conn.execute(
            "SELECT t.typname::text FROM pg_type t "
            "WHERE t.typnamespace = 'pg_catalog'::regnamespace AND t.typname = ANY(%s) "
            "AND t.typtype = 'b' ORDER BY 1",
            (sorted(names.types),),
        ).fetchall()
        for (typname,) in types:
            label = f"type {typname}"
            stmts.append(
                (
                    "types",
                    label,
                    f"CREATE DOMAIN public.{_ident(typname)} AS pg_catalog.{_ident(typname)} "
                    f"CHECK (public.pgwarden_decoy_hit({_literal(label)}))",
                )
            )
        rels = conn.execute(
            "SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = 'pg_catalog'::regnamespace "
            "AND c.relkind IN ('r', 'v') AND c.relname = ANY(%s) ORDER BY 1",
            (sorted(names.relations),),
        ).fetchall()
        for (relname,) in rels:
            label = f"relation {relname}"
            stmts.append(
                (
                    "relations",
                    label,
                    f"CREATE VIEW public.{_ident(relname)} AS SELECT * FROM "
                    f"pg_catalog.{_ident(relname)} WHERE public.pgwarden_decoy_hit({_literal(label)})",
                )
            )
    planted = Planted()
    with psycopg.connect(owner_dsn, autocommit=True) as conn:
        conn.execute("SET search_path = pg_catalog")
        conn.execute(_HIT)
        for kind, label, stmt in stmts:
            try:
                with conn.transaction():
                    conn.execute(stmt)
            except psycopg.Error:
                continue  # a signature the owner cannot write (a pseudo-type, a name taken): no twin
            getattr(planted, kind).append(label)
        conn.execute(f"ALTER DATABASE {_ident(database)} SET search_path = public, pg_catalog")
    return planted


def hits(log: Path, offset: int, database: str) -> list[str]:
    """The decoys that ran in ``database`` since ``offset`` of the server log."""
    with open(log, "rb") as f:
        f.seek(offset)
        text = f.read().decode("utf-8", "replace")
    return sorted(
        {
            line.split(MARK, 1)[1].strip()
            for line in text.splitlines()
            if MARK in line and line.rstrip().endswith(" " + database)
        }
    )
