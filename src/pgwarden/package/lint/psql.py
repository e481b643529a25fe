"""What only psql could run, and SQL that cannot be checked offline.

- ``meta_command``: ``\\i``, ``\\set`` … (found by the scanner in :mod:`pgwarden.sqlsource`).
- ``psql.copy_stdio``: COPY FROM STDIN / TO STDOUT needs psql to stream the data.
- ``lint.body_unparsed``: a DO block or function body pglast cannot parse. It is an error when the
  body mentions a forbidden function or a protected table (pgwarden cannot prove it is safe), a
  warning otherwise.
- ``lint.dynamic_sql``: EXECUTE of a computed string cannot be checked against forbid_calls or
  protected_tables (a warning, only when the policy has such entries).
- ``probe.single_statement``: a probe's expectation applies to exactly one statement.
"""

from __future__ import annotations

from collections.abc import Callable

from pglast import ast

from pgwarden.findings import Severity
from pgwarden.package.lint.context import Ctx
from pgwarden.package.lint.units import FileUnits, Unit
from pgwarden.package.manifest import MANIFEST
from pgwarden.parsing.source import SqlSource
from pgwarden.rules import Rule


def check_file(ctx: Ctx, src: SqlSource, *, bundle: str | None) -> None:
    for m in src.meta_commands:
        cmd = m.text.split()[0] if m.text.split() else "\\"
        ctx.report_at(
            Rule.META_COMMAND,
            bundle,
            src.rel,
            (m.line, m.col),
            m.text,
            f"psql meta-command {cmd} is refused in bundles: pgwarden runs SQL through the server, "
            "not psql, so it would not run (or would run differently)",
            fix="inline the SQL it stands for; use [settings] for session settings",
        )


def check_bodies(ctx: Ctx, fu: FileUnits) -> None:
    for p in fu.problems:
        unparsed = f"the {p.what} cannot be parsed offline ({p.message})"
        ctx.report_at(
            Rule.LINT_BODY_UNPARSED,
            p.bundle,
            p.src.rel,
            (p.line, p.col),
            p.statement.first_line,
            f"{unparsed} and it mentions {', '.join(p.mentions)}, so pgwarden cannot prove it respects the policy"
            if p.mentions
            else f"{unparsed}; it does not mention any forbidden function or protected table",
            severity=Severity.ERROR if p.mentions else Severity.WARNING,
        )
    if ctx.patterns or ctx.protected:
        for u in fu.dynamic:
            ctx.report(
                Rule.LINT_DYNAMIC_SQL,
                u,
                u.at(None, "EXECUTE"),
                f"EXECUTE of a computed string in the {u.origin} cannot be checked against "
                "forbid_calls and protected_tables",
                severity=Severity.WARNING,
            )


def check_unit(ctx: Ctx, unit: Unit) -> None:
    n = unit.node
    if isinstance(n, ast.CopyStmt) and not n.filename and not n.is_program and unit.scope == "top":
        direction = "FROM STDIN" if n.is_from else "TO STDOUT"
        ctx.report(
            Rule.PSQL_COPY_STDIO,
            unit,
            unit.at(),
            f"COPY … {direction} needs psql to stream the data; pgwarden runs SQL only",
            fix="use INSERT … VALUES, or COPY from a server-side file",
        )


def check_probe(
    ctx: Ctx, name: str, after: str, src: SqlSource, place: Callable[[int], tuple[int, int]] | None
) -> None:
    def where(offset: int) -> tuple[int, int]:
        return place(offset) if place else (1, 1)

    for m in src.meta_commands:
        off = src.lines.starts[m.line - 1] + m.col - 1
        ctx.report_at(
            Rule.META_COMMAND,
            after,
            MANIFEST,
            where(off),
            m.text,
            f"probe {name!r}: psql meta-command {m.text.split()[0]} is not SQL",
        )
    if len(src.statements) != 1:
        st = src.statements[1] if len(src.statements) > 1 else None
        ctx.report_at(
            Rule.PROBE_SINGLE_STATEMENT,
            after,
            MANIFEST,
            where(st.offset if st else 0),
            st.first_line if st else "",
            f"probe {name!r} must be exactly one statement (its expectation applies to it); "
            f"it has {len(src.statements)}",
        )
