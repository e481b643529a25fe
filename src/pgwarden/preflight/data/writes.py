"""Which relations earlier statements of the package may change, so a data check on them is not judged.

A data check reads the rows as they are now. A backfill earlier in the package (``UPDATE t SET x = 0
WHERE x IS NULL`` before ``SET NOT NULL``) changes them, so the check's answer would be wrong either
way: it is reported as "not judged: depends on …" instead (a data rehearsal covers it). DML, COPY and
TRUNCATE write their target; ADD COLUMN and ALTER COLUMN TYPE change values; DO, CALL, and statements
calling non-catalog functions, or DML on a table with user triggers, may write anything.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from pglast import ast

from pgwarden.parsing.walk import enum_name, iter_nodes
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.names import rangevar_parts, strings

# Functions of pg_catalog a migration calls that change no table rows.
_SAFE_CALLS = frozenset(
    {
        "setval",
        "nextval",
        "currval",
        "set_config",
        "current_setting",
        "pg_advisory_xact_lock",
        "pg_advisory_lock",
        "pg_advisory_unlock",
        "pg_try_advisory_xact_lock",
        "now",
        "pg_sleep",
        "format",
        "count",
        "max",
        "min",
        "coalesce",
        "to_regclass",
    }
)
_DML = ("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt")


def changed_column(cmd: Any) -> str | None:
    """The column an ALTER TABLE subcommand gives new values: ALTER COLUMN … TYPE, ADD COLUMN (else None)."""
    sub = enum_name(cmd.subtype)
    if sub == "AT_AlterColumnType":
        return str(cmd.name)
    if sub == "AT_AddColumn" and cmd.def_ is not None:
        return str(cmd.def_.colname)
    return None


@dataclass
class Writes:
    by_relation: dict[tuple[str, str], str] = field(default_factory=dict)  # (schema, name) -> who wrote it
    by_column: dict[tuple[str, str, str], str] = field(default_factory=dict)  # ALTER TYPE / ADD COLUMN: values
    anything: str | None = None  # a statement that may write any table

    def note(self, node: Any, ctx: Ctx, who: str) -> None:
        kind = type(node).__name__
        if kind in ("DoStmt", "CallStmt"):
            self.anything = self.anything or who
            return
        targets = []
        if kind in _DML or (kind == "CopyStmt" and getattr(node, "is_from", False)):
            targets.append(node.relation)
        elif kind == "TruncateStmt":
            targets += list(node.relations or ())
        elif kind == "AlterTableStmt":  # new values in one column, the same rows
            schema, name = rangevar_parts(node.relation)
            rel = ctx.state.find_relation(schema, name)
            key = (rel.schema, rel.name) if rel is not None else (schema or "", name)
            for c in node.cmds or ():
                col = changed_column(c)
                if col is not None:
                    self.by_column.setdefault((*key, col), who)
        elif kind == "CreateTableAsStmt" and node.into is not None:
            targets.append(node.into.rel)
        for rv in targets:
            if rv is None:
                continue
            schema, name = rangevar_parts(rv)
            rel = ctx.state.find_relation(schema, name)
            key = (rel.schema, rel.name) if rel is not None else (schema or "", name)
            self.by_relation.setdefault(key, who)
            if kind in _DML and rel is not None and self._user_triggers(ctx, rel.schema, rel.name):
                self.anything = self.anything or f"{who} (fires triggers)"
        if self._calls_user_functions(node):
            self.anything = self.anything or f"{who} (calls functions)"

    def depends(self, keys: list[tuple[str, str]], columns: Collection[str] = ()) -> str | None:
        """Who changed these relations' rows (or, for the first one, these columns' values) first, if anyone."""
        for k in keys:
            if k in self.by_relation:
                return self.by_relation[k]
        if keys:
            for c in sorted(columns):
                if (*keys[0], c) in self.by_column:
                    return self.by_column[(*keys[0], c)]
        return self.anything

    @staticmethod
    def _user_triggers(ctx: Ctx, schema: str, table: str) -> bool:
        state = ctx.state
        return any(
            s == schema and t == table and (trg := state.trigger(s, t, n)) is not None and not trg.internal
            for s, t, n in state._trigger_keys()
        )

    @staticmethod
    def _calls_user_functions(node: Any) -> bool:
        if type(node).__name__ in (
            "CreateFunctionStmt",
            "ViewStmt",
            "CreateTrigStmt",
            "IndexStmt",
            "AlterTableStmt",
            "CreateStmt",
            "RuleStmt",
            "CreatePolicyStmt",
            "DefineStmt",
            "CommentStmt",
        ):
            return False  # functions named here are defined or referenced, not called
        for n in iter_nodes(node):
            if isinstance(n, ast.FuncCall):
                parts = strings(n.funcname)
                if parts and not (parts[-1] in _SAFE_CALLS and (len(parts) == 1 or parts[0] == "pg_catalog")):
                    return True
        return False
