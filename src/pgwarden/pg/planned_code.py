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
    what: str          # the index, statistics object, constraint or table whose expression calls it
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
        return [PlannedCode(int(r["relid"]), r["relation"], r["what"], r["function"], r["owner"])
                for r in c.fetchall()]
