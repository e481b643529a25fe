"""The one vocabulary of object kinds, shared by lint, preflight, probe and expectations.

A probe entry, an expectation, a rollback-scope entry and a preflight target all name their object's
kind with an :class:`ObjectKind`. ``FUNCTION`` is any routine (function, procedure or aggregate): they
share one namespace of signatures, as in ``pg_proc``. Expectation files name kinds in the plural
(``functions = [...]``), which :data:`EXPECTATION_KINDS` maps.
"""

from __future__ import annotations

from enum import StrEnum


class ObjectKind(StrEnum):
    SCHEMA = "schema"
    EXTENSION = "extension"
    TYPE = "type"
    TABLE = "table"
    COLUMN = "column"
    CONSTRAINT = "constraint"
    INDEX = "index"
    VIEW = "view"
    MATVIEW = "matview"
    SEQUENCE = "sequence"
    FUNCTION = "function"
    TRIGGER = "trigger"
    EVENT_TRIGGER = "event_trigger"
    POLICY = "policy"
    RULE = "rule"
    STATISTICS = "statistics"
    COLLATION = "collation"
    PUBLICATION = "publication"
    FOREIGN_DATA_WRAPPER = "foreign_data_wrapper"
    FOREIGN_SERVER = "foreign_server"
    GRANT = "grant"
    LANGUAGE = "language"
    CAST = "cast"
    OPERATOR = "operator"
    ROLE = "role"
    DATABASE = "database"
    TABLESPACE = "tablespace"
    SUBSCRIPTION = "subscription"
    OTHER = "other"  # a kind pgwarden names only by its SQL keyword (see the statement)

    @property
    def plural(self) -> str:
        return _PLURAL.get(self, self.value + "s")


_PLURAL = {
    ObjectKind.INDEX: "indexes",
    ObjectKind.STATISTICS: "statistics",
    ObjectKind.MATVIEW: "matviews",
    ObjectKind.POLICY: "policies",
}

# The object kinds an expectations file (and a package's [verify]) may list, by their plural key.
EXPECTATION_KINDS: dict[str, ObjectKind] = {
    k.plural: k
    for k in (
        ObjectKind.SCHEMA,
        ObjectKind.TABLE,
        ObjectKind.COLUMN,
        ObjectKind.VIEW,
        ObjectKind.FUNCTION,
        ObjectKind.TRIGGER,
        ObjectKind.INDEX,
        ObjectKind.SEQUENCE,
        ObjectKind.TYPE,
        ObjectKind.EXTENSION,
        ObjectKind.CONSTRAINT,
        ObjectKind.POLICY,
    )
}
