"""The ledger is trusted only when pgwarden made it: schema ``pgwarden`` and everything in it.

A role that merely owns the application's database can create a schema named ``pgwarden`` before pgwarden's
first apply, with a function, a view or a trigger in it; anything pgwarden then read or wrote there would run
that role's code with pgwarden's privileges. So before any row of the ledger is read, every object in the
schema (and every trigger, rule, policy or child table that acts on its tables) is listed with its owner
(``sql/ledger_objects.sql``): the owner of each must be the role pgwarden connects as or a superuser, and each
must be one that pgwarden's ledger DDL creates. Anything else is refused, exit 3, naming the object and its
owner, before anything reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from pgwarden import shipped_sql
from pgwarden.errors import EnvironmentProblem
from pgwarden.pg.conn import read_only

# What pgwarden's ledger DDL creates: its tables, their indexes and identity sequence (listed with their
# table), and version 1's digest function (never called: version 2 drops it, and the digest is computed here).
TABLES = frozenset({"ledger_version", "bundle_attempt", "run"})
_FUNCTIONS = frozenset({"attempt_digest"})


@dataclass(frozen=True)
class LedgerObject:
    kind: str
    name: str
    parent: str | None
    owner: str
    owner_is_superuser: bool

    @property
    def label(self) -> str:
        """How a refusal names it: a trigger, rule or policy by its table, a child table by its parent."""
        if self.parent and self.kind in ("trigger", "rule", "policy"):
            return f"{self.kind} pgwarden.{self.parent}.{self.name}"
        if self.parent and self.kind == "child table":
            return f"{self.kind} {self.name} (of pgwarden.{self.parent})"
        return f"{self.kind} pgwarden.{self.name}"


def ledger_objects(conn: psycopg.Connection[Any], schema: str) -> tuple[str, list[LedgerObject]]:
    """The role pgwarden runs as, and every object of the ledger schema with its owner."""
    with read_only(conn) as cur:
        cur.execute("SELECT session_user::pg_catalog.text AS me")  # the login role, whatever SET ROLE said
        row = cur.fetchone()
        cur.execute(shipped_sql.load("pgwarden.ledger", "ledger_objects.sql"), {"schema": schema})
        return str(row["me"] if row else ""), [
            LedgerObject(r["kind"], r["name"], r["parent"], r["owner"], bool(r["owner_is_superuser"]))
            for r in cur.fetchall()
        ]


def _expected(o: LedgerObject, functions: frozenset[str]) -> bool:
    if o.kind == "schema" or (o.kind == "table" and o.name in TABLES):
        return True
    if o.kind in ("index", "sequence"):
        return o.parent in TABLES
    return o.kind == "function" and o.name in functions


def check_trusted(conn: psycopg.Connection[Any], schema: str) -> bool:
    """Whether the ledger schema exists; raises :class:`EnvironmentProblem` (exit 3) when anything in it, or
    acting on it, was not made by the role pgwarden runs as or a superuser, or is not pgwarden's."""
    current_user, objects = ledger_objects(conn, schema)
    if not objects:
        return False
    foreign = [o for o in objects if not o.owner_is_superuser and o.owner != current_user]
    unexpected = [o for o in objects if not _expected(o, _FUNCTIONS)]
    if not foreign and not unexpected:
        return True
    lines = [
        f"{o.label}, owned by {o.owner}: "
        + ("not pgwarden's role or a superuser" if o in foreign else "not part of pgwarden's ledger")
        for o in dict.fromkeys([*foreign, *unexpected])
    ]
    raise EnvironmentProblem(
        f"the pgwarden ledger in this database is not trusted: {lines[0]}; refusing to read or write it "
        f"(pgwarden's role here is {current_user})",
        details=[
            *lines[1:20],
            "the ledger must be made by the role pgwarden connects as, or by a superuser; a "
            "schema named pgwarden made by anyone else could run their code with pgwarden's privileges",
            "if an earlier pgwarden run made it as another role, run as that role; otherwise have a superuser "
            "inspect the schema, then drop it or change its owner",
        ],
    )
