"""The objects one method found (a schema dump, or a database's catalog), by kind, as canonical keys.

:func:`objects_in_database` reads them from a live database in one read-only query
(``sql/objects.sql``); :mod:`pgwarden.backup.schema_dump` reads them from a schema script.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg

from pgwarden import shipped_sql
from pgwarden.kinds import EXPECTATION_KINDS, ObjectKind
from pgwarden.parsing.names import Key, parse_signature
from pgwarden.pg.conn import read_only

KINDS: tuple[ObjectKind, ...] = tuple(EXPECTATION_KINDS.values())


@dataclass
class FoundObjects:
    """The objects one method found, by kind (sets of canonical keys)."""

    objects: dict[ObjectKind, set[Key]] = field(default_factory=lambda: {k: set() for k in KINDS})

    def add(self, kind: ObjectKind, *parts: str) -> None:
        self.objects[kind].add(tuple(parts))

    def has(self, kind: ObjectKind, key: Key) -> bool:
        found = self.objects[kind]
        if kind == ObjectKind.FUNCTION and len(key) == 2:
            return any(k[:2] == key for k in found)
        return key in found

    def count(self) -> int:
        return sum(len(v) for v in self.objects.values())


def objects_in_database(conn: psycopg.Connection[Any]) -> FoundObjects:
    """Introspect the connected database (one read-only query)."""
    found = FoundObjects()
    with read_only(conn) as cur:
        cur.execute(shipped_sql.load("pgwarden.expect", "objects.sql"))
        rows = cur.fetchall()
    for r in rows:
        kind = EXPECTATION_KINDS[r["kind"]]
        if kind == ObjectKind.FUNCTION:
            key = parse_signature(r["c"], "regprocedure")
            found.add(kind, r["a"], r["b"], *key[2:])
        else:
            found.add(kind, *(p for p in (r["a"], r["b"], r["c"]) if p is not None))
    return found
