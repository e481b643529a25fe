"""What every statement check gets: the state, the server resolver, and where the statement comes from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pgwarden import shipped_sql
from pgwarden.preflight.model import CatalogState, Relation, Routine, SchemaInfo
from pgwarden.preflight.prediction import Refusal
from pgwarden.preflight.resolve import Resolver
from pgwarden.rules import Rule


@dataclass
class Ctx:
    state: CatalogState
    resolver: Resolver
    origin: str = "statement"  # "bundle A (A.sql:12)": recorded on objects the statement defines
    source: str | None = None  # the statement's own text, when known (saves re-printing its AST)
    pending: list[tuple[Any, ...]] | None = None  # dependency checks deferred to the end of one DROP
    in_transaction_block: bool = False  # the statement runs inside a transaction block (a bundle does)

    @property
    def major(self) -> int:
        return self.state.live.major

    def creation_schema(self, schema: str | None, *, temp: bool = False) -> str:
        """The namespace a CREATE puts an object in; raises as the server does when there is none.
        ``temp``: CREATE TEMP …, which goes into the session's temporary schema."""
        if temp or schema == "pg_temp":
            return self.state.temp_name()
        if schema is not None:
            if self.state.schema(schema) is None:
                raise Refusal(
                    Rule.PREFLIGHT_MISSING,
                    "3F000",
                    f'schema "{schema}" does not exist',
                    fix=f"create schema {schema} first, or fix the name",
                )
            return schema
        found = self.state.creation_schema()
        if found is None:
            raise Refusal(
                Rule.PREFLIGHT_MISSING,
                "3F000",
                "no schema has been selected to create in",
                fix="set search_path to an existing schema or qualify the name",
            )
        return found

    def require_create(self, schema: str) -> SchemaInfo:
        """CREATE privilege on the schema (42501), checked before anything else by CREATE commands."""
        info = self.state.schema(schema)
        assert info is not None
        if not self.can_create(info):
            raise Refusal(
                Rule.PREFLIGHT_PERMISSION,
                "42501",
                f"permission denied for schema {schema}",
                fix=f"GRANT CREATE ON SCHEMA {schema} to the applying role, or apply as its owner",
            )
        return info

    def schema_of(self, schema: str | None) -> str | None:
        """An explicitly named schema must exist (3F000)."""
        if schema is not None and self.state.schema(schema) is None:
            raise Refusal(Rule.PREFLIGHT_MISSING, "3F000", f'schema "{schema}" does not exist')
        return schema

    # -- privileges of the role in effect (after SET ROLE, see roles.py) --------------------------------
    def ask(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        """One row of ``sql/<name>.sql`` (a privilege question), cached per state of the session."""
        cache = self.resolver.role_cache
        key = (name, tuple(sorted(params.items())))
        if key not in cache:
            self.resolver.cur.execute(shipped_sql.load("pgwarden.preflight", f"{name}.sql"), params)
            row = self.resolver.cur.fetchone()
            cache[key] = dict(row) if row else {}
        return cache[key]

    def owns(self, obj: Routine | Relation) -> bool:
        """Whether the role in effect has the privileges of ``obj``'s owner."""
        state = self.state
        if state.user() == state.live.current_user and obj.origin == "live":
            return obj.owned
        if not obj.owner:
            return True
        return bool(self.ask("role_privs", {"role": state.user(), "owner": obj.owner, "schema": None}).get("owns"))

    def can_create(self, info: SchemaInfo) -> bool:
        """CREATE on the schema for the role in effect (a schema the package created: its creator may)."""
        state = self.state
        if state.user() == state.live.current_user or info.oid is None:
            return info.can_create
        return bool(self.ask("role_privs", {"role": state.user(), "owner": None, "schema": info.oid}).get("can_create"))
