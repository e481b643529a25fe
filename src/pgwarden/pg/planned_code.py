"""Code the planner runs for a query, before the query itself runs: the functions of a relation's expressions.

Naming a relation in a query makes the planner load and simplify the expressions of its indexes (and
partial-index predicates), statistics objects, CHECK constraints and partition key, for it and each of its
descendants: the constant parts are evaluated, and SQL functions inlined, with the querying role's
privileges. A role that owns a table can so make ``SELECT count(*) FROM its_table`` run its own function as
pgwarden's superuser, through nothing but a partial index ``WHERE its_function()``. :func:`planned_code`
lists, for relations pgwarden is about to query, every such function owned by neither pgwarden's role nor a
superuser (``sql/planned_code.sql``, through ``pg_depend``); callers refuse the query or read the relation
another way (``COPY``, which plans nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from pgwarden import shipped_sql


@dataclass(frozen=True)
class PlannedCode:
    """A function a query of ``relation`` would run while it is planned, and whose it is."""

    relid: int
    relation: str
    what: str  # the index, statistics object, constraint or table whose expression calls it
    function: str
    owner: str


def planned_code(cur: psycopg.Cursor[Any], relids: list[int]) -> list[PlannedCode]:
    """The functions owned by neither this role nor a superuser that planning a query of ``relids`` runs
    (``sql/planned_code.sql``): the planner evaluates the constant parts of their indexes' expressions and
    predicates, statistics objects, CHECK constraints and partition keys, with the querying role's privileges."""
    if not relids:
        return []
    with cur.connection.cursor(row_factory=dict_row) as c:
        c.execute(shipped_sql.load("pgwarden.pg", "planned_code.sql"), {"relids": relids})
        return [PlannedCode(int(r["relid"]), r["relation"], r["what"], r["function"], r["owner"]) for r in c.fetchall()]


def _has_restrict(version: int) -> bool:
    """``restrict_nonsystem_relation_kind``: PostgreSQL 17, and the August 2024 minors of 12 to 16."""
    return version >= 170000 or any(
        low <= version < high
        for low, high in ((160004, 170000), (150008, 160000), (140013, 150000), (130016, 140000), (120020, 130000))
    )


def tables_only(cur: psycopg.Cursor[Any]) -> None:
    """For the rest of the transaction, a view or foreign table named where a table was (one a role swapped in
    since pgwarden looked) is an error, not a query whose plan runs that role's code (as pg_dump does, CVE-2024-7348).
    A server without the setting gets no such guard."""
    if _has_restrict(cur.connection.info.server_version):
        cur.execute("SELECT pg_catalog.set_config('restrict_nonsystem_relation_kind', 'view, foreign-table', true)")
