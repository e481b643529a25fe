"""Column and foreign-key rules of CREATE TABLE and ALTER TABLE ADD COLUMN / ADD CONSTRAINT.

- a column of a pseudo-type (42P16);
- a COLLATE the server cannot resolve for the column's type (42704 for a missing collation, 42804 for a
  type without collations): asked of the server's own parse analysis, never guessed;
- a foreign key whose referenced table is missing (42P01), whose referenced columns are missing (42703)
  or match no unique key (42830), or that names no columns of a table without a primary key (42704);
- CREATE TABLE … OF a missing or non-composite type (42704, 42809).
"""

from __future__ import annotations

from typing import Any

from pglast import ast
from pglast.stream import RawStream

from pgwarden.preflight import lookup
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.model import Relation, TypeInfo
from pgwarden.preflight.prediction import Refusal
from pgwarden.rules import Rule


def check_column(col: Any, t: TypeInfo, ctx: Ctx) -> None:
    if t.pseudo:
        raise Refusal(
            Rule.PREFLIGHT_COLUMN_PSEUDO_TYPE,
            "42P16",
            f'column "{col.colname}" has pseudo-type {t.display}',
            fix="use a real data type for the column",
        )
    if col.collClause is not None:
        coll = RawStream()(col.collClause)
        err = ctx.resolver.describe(f"SELECT NULL::{t.display} {coll}").error
        if err is not None and err.sqlstate in ("42704", "42804"):
            raise Refusal.server(
                Rule.PREFLIGHT_COLLATION, err, "use a collation this database has (see pg_collation), or none"
            )


def typed_table(stmt: Any, ctx: Ctx) -> None:
    if stmt.ofTypename is None:
        return
    t = ctx.resolver.type_of(stmt.ofTypename)
    if t.relkind != "c":
        raise Refusal(
            Rule.PREFLIGHT_WRONG_KIND,
            "42809",
            f"type {t.display} is not a composite type",
            fix="CREATE TABLE … OF needs a composite type (CREATE TYPE … AS (…))",
        )


def _names(items: Any) -> list[str]:
    return [str(getattr(x, "sval", x)) for x in items or ()]


SYSTEM_COLUMNS = ("tableoid", "xmin", "cmin", "xmax", "cmax", "ctid")


def check_foreign_key(
    con: Any,
    ctx: Ctx,
    creating: str | None = None,
    local: list[str] | None = None,
    altering: tuple[str, str] | None = None,
) -> None:
    """A FOREIGN KEY, in the server's order: the referenced table, the referencing columns (``local``, when
    known), the referenced columns and their unique key. ``creating``: the table this statement creates (a
    self-reference is judged against its own definition, which is not modelled here: skipped)."""
    if (
        not isinstance(con, ast.Constraint)
        or getattr(con.contype, "name", "") != "CONSTR_FOREIGN"
        or con.pktable is None
    ):
        return
    schema, name = lookup.rv(con.pktable)
    if creating is not None and name == creating and schema is None:
        return
    ref = lookup.relation(schema, name, ctx)
    assert ref is not None
    cols = _names(con.pk_attrs)
    fk_cols = _names(con.fk_attrs)
    for c in (*fk_cols, *cols):
        if c in SYSTEM_COLUMNS:
            raise Refusal(
                Rule.PREFLIGHT_FK_SYSTEM_COLUMN,
                "0A000",
                "system columns cannot be used in foreign keys",
                fix="reference ordinary columns",
            )
    for c in fk_cols:
        if local is not None and c not in local:
            raise Refusal(
                Rule.PREFLIGHT_FK_COLUMN_MISSING,
                "42703",
                f'column "{c}" referenced in foreign key constraint does not exist',
                fix=f"the referencing table has no column {c}",
            )
    if ref.origin != "live" or ref.columns is None or (altering is not None and (ref.schema, ref.name) == altering):
        return  # a table the package made, or the table being altered (its keys may be added alongside)
    if cols:
        for c in cols:
            if ref.column(c) is None:
                raise Refusal(
                    Rule.PREFLIGHT_FK_COLUMN_MISSING,
                    "42703",
                    f'column "{c}" referenced in foreign key constraint does not exist',
                    fix=f"{ref.schema}.{ref.name} has no column {c}",
                    target=f"table {ref.schema}.{ref.name}",
                )
        if fk_cols and len(fk_cols) != len(cols):
            raise Refusal(
                Rule.PREFLIGHT_FK_ARITY,
                "42830",
                "number of referencing and referenced columns for foreign key disagree",
                fix="name as many referenced columns as referencing ones",
            )
        if ref.keys is not None and not any(set(k) == set(cols) and len(k) == len(cols) for _p, k in ref.keys):
            raise Refusal(
                Rule.PREFLIGHT_FK_NO_UNIQUE_KEY,
                "42830",
                f'there is no unique constraint matching given keys for referenced table "{ref.name}"',
                fix=f"add a PRIMARY KEY or UNIQUE constraint on ({', '.join(cols)}) of {ref.schema}.{ref.name} first",
                facts=_facts(ref),
            )
    elif ref.keys is not None and not any(p for p, _k in ref.keys):
        raise Refusal(
            Rule.PREFLIGHT_FK_NO_PRIMARY_KEY,
            "42704",
            f'there is no primary key for referenced table "{ref.name}"',
            fix=f"name the referenced columns, or give {ref.schema}.{ref.name} a primary key",
            facts=_facts(ref),
        )


def _facts(ref: Relation) -> dict[str, Any]:
    return {
        "object": f"{ref.schema}.{ref.name}",
        "unique keys": "; ".join(("PRIMARY KEY " if p else "UNIQUE ") + f"({', '.join(k)})" for p, k in ref.keys or ())
        or "none",
    }
