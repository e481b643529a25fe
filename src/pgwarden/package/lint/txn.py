"""Transaction rules: no transaction control in bundles, non-transactional statements only alone.

Every bundle runs as one transaction that also writes its ledger row, so a COMMIT inside it would
break atomicity, and statements PostgreSQL refuses inside a transaction block would fail there.
Those are allowed only in a bundle that declares ``transaction = false``, as its only statement.

``ALTER TYPE … ADD VALUE`` runs inside a transaction block since PostgreSQL 12 (the new value cannot
be used before commit); it is refused only when ``[target] server_major`` says the server is older.
"""

from __future__ import annotations

from typing import Any

from pglast import ast

from pgwarden.findings import Severity
from pgwarden.package.lint.context import Ctx, inside
from pgwarden.package.lint.units import Unit
from pgwarden.parsing.source import SqlSource
from pgwarden.parsing.statement_kinds import statement_kinds
from pgwarden.parsing.walk import option_flag
from pgwarden.rules import Rule


def non_transactional(node: Any, server_major: int | None) -> str | None:
    """Why PostgreSQL refuses ``node`` inside a transaction block, or None."""
    kind = statement_kinds(node)[0]
    if isinstance(node, ast.IndexStmt) and node.concurrent:
        return "CREATE INDEX CONCURRENTLY cannot run inside a transaction block"
    if isinstance(node, ast.DropStmt) and node.concurrent:
        return "DROP INDEX CONCURRENTLY cannot run inside a transaction block"
    if isinstance(node, ast.ReindexStmt):
        if option_flag(node.params, "concurrently"):
            return "REINDEX CONCURRENTLY cannot run inside a transaction block"
        what = getattr(node.kind, "name", "")
        if what in ("REINDEX_OBJECT_SCHEMA", "REINDEX_OBJECT_SYSTEM", "REINDEX_OBJECT_DATABASE"):
            return f"REINDEX {what.rsplit('_', 1)[-1]} cannot run inside a transaction block"
    if isinstance(node, ast.VacuumStmt) and node.is_vacuumcmd:
        return "VACUUM cannot run inside a transaction block"
    if isinstance(node, ast.ClusterStmt) and node.relation is None:
        return "CLUSTER without a table name cannot run inside a transaction block"
    if isinstance(
        node,
        ast.AlterSystemStmt | ast.CreatedbStmt | ast.DropdbStmt | ast.CreateTableSpaceStmt | ast.DropTableSpaceStmt,
    ):
        return f"{kind} cannot run inside a transaction block"
    if isinstance(node, ast.AlterDatabaseStmt) and option_flag(node.options, "tablespace") is not None:
        return "ALTER DATABASE SET TABLESPACE cannot run inside a transaction block"
    if isinstance(node, ast.DiscardStmt) and getattr(node.target, "name", "") == "DISCARD_ALL":
        return "DISCARD ALL cannot run inside a transaction block"
    if (
        isinstance(node, ast.CreateSubscriptionStmt)
        and option_flag(node.options, "create_slot") is not False
        and option_flag(node.options, "connect") is not False
    ):
        return "CREATE SUBSCRIPTION with create_slot = true cannot run inside a transaction block"
    if isinstance(node, ast.AlterSubscriptionStmt):
        k = getattr(node.kind, "name", "")
        if k == "ALTER_SUBSCRIPTION_REFRESH" or (
            k.endswith("_PUBLICATION") and option_flag(node.options, "refresh") is not False
        ):
            return "ALTER SUBSCRIPTION … REFRESH cannot run inside a transaction block"
    if isinstance(node, ast.DropSubscriptionStmt):
        return "DROP SUBSCRIPTION cannot run inside a transaction block while the subscription has a replication slot"
    if isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            if getattr(cmd.subtype, "name", "") == "AT_DetachPartition" and getattr(cmd.def_, "concurrent", False):
                return "ALTER TABLE … DETACH PARTITION CONCURRENTLY cannot run inside a transaction block"
    if (
        isinstance(node, ast.AlterEnumStmt)
        and node.newVal
        and not node.oldVal
        and server_major is not None
        and server_major < 12
    ):
        return (
            f"ALTER TYPE … ADD VALUE cannot run inside a transaction block on PostgreSQL {server_major} "
            "([target] server_major); it can from 12 on"
        )
    return None


def check_unit(ctx: Ctx, unit: Unit, transaction: bool) -> None:
    """Transaction control and non-transactional statements (top level, DO blocks, probes)."""
    if unit.scope == "function":
        return  # a procedure may COMMIT; that is checked where it is called, not where it is created
    node = unit.node
    if isinstance(node, ast.TransactionStmt):
        what = statement_kinds(node)[0]
        where = "a rollback-only probe" if unit.role == "probe" else f"bundle {unit.bundle}"
        ctx.report(
            Rule.TXN_CONTROL,
            unit,
            unit.at(None, what.split()[0]),
            f"{what}{inside(unit)}: transaction control is refused in {where}; pgwarden runs each "
            "bundle as one transaction (with its ledger row) and rolls probes back itself",
            fix="remove it; split the work into separate bundles if it needs separate transactions",
        )
        return
    reason = non_transactional(node, ctx.server_major)
    if reason is None:
        return
    if unit.role == "probe":
        ctx.report(
            Rule.TXN_NON_TRANSACTIONAL,
            unit,
            unit.at(),
            f"{reason}; probes always run in a transaction that is rolled back",
        )
    elif unit.scope == "do":
        ctx.report(
            Rule.TXN_NON_TRANSACTIONAL, unit, unit.at(), f"{reason}{inside(unit)}; it cannot run from a DO block at all"
        )
    elif not transaction:
        return
    else:
        ctx.report(
            Rule.TXN_NON_TRANSACTIONAL,
            unit,
            unit.at(),
            f"{reason}; bundle {unit.bundle} runs in a transaction",
            fix=f"move it to a bundle of its own with transaction = false (bundle {unit.bundle} "
            "is then reported as non-atomic)",
        )


def check_file(ctx: Ctx, src: SqlSource, units: list[Unit], *, bundle: str, role: str, transaction: bool) -> None:
    """A ``transaction = false`` bundle holds exactly one statement; flag a needless one."""
    if transaction:
        return
    n = len(src.statements)
    tops = [u for u in units if u.scope == "top"]
    needs = [u for u in tops if non_transactional(u.node, ctx.server_major)]
    if role == "apply" and n != 1:
        u = tops[1] if n > 1 else None
        where = u.at() if u else (1, 1)
        msg = (
            f"bundle {bundle} declares transaction = false, so it must contain exactly one statement; {src.rel} has {n}"
        )
        ctx.report_at(
            Rule.TXN_SINGLE_STATEMENT,
            bundle,
            src.rel,
            where,
            u.statement.first_line if u else "",
            msg,
            fix="put each non-transactional statement in a bundle of its own",
        )
    elif role == "rollback" and needs and n != 1:
        u = tops[1]
        ctx.report_at(
            Rule.TXN_SINGLE_STATEMENT,
            bundle,
            src.rel,
            u.at(),
            u.statement.first_line,
            f"the rollback of non-atomic bundle {bundle} holds a statement that cannot run in a "
            f"transaction, so it must contain exactly one statement; {src.rel} has {n}",
        )
    if role == "apply" and n == 1 and not needs:
        u = tops[0]
        ctx.report_at(
            Rule.TXN_UNNEEDED,
            bundle,
            src.rel,
            u.at(),
            u.statement.first_line,
            f"bundle {bundle} declares transaction = false but its statement can run in a "
            "transaction; it loses atomicity for nothing",
            severity=Severity.WARNING,
            fix="remove transaction = false",
        )
