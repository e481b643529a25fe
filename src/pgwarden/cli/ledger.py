"""The ledger's commands: ``status`` (what it records) and ``resolve`` (settle an in_doubt bundle)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pgwarden import textsafe
from pgwarden.cli.base import dsn_option, json_option, main, out_option, run
from pgwarden.cli.reporter import reporter

if TYPE_CHECKING:
    from pgwarden.ledger.resolve import ResolveResult
    from pgwarden.ledger.status import StatusResult


@main.command("status")
@dsn_option
@json_option
def status_cmd(dsn: str | None, as_json: bool) -> None:
    """Show what the ledger records: per package, its bundles in order, and the last run. Read-only."""
    from pgwarden.ledger.status import status

    def render(r: StatusResult) -> str:
        lines = [r.message]
        for p in r.packages:
            lines.append(f"package {p.package}:")
            for b in p.bundles:
                lines.append(
                    f"  TXN-{b.order} {b.bundle}: {b.state} at {b.at} by {b.db_role} ({b.os_user}), "
                    f"run {b.run_id}" + (f" — {b.note}" if b.note else "")
                )
            if p.last_run is not None:
                lines.append(f"  last run {p.last_run.run_id}: {p.last_run.verdict}, kit {p.last_run.kit}")
        return textsafe.lines(lines)

    run(lambda: status(dsn), as_json=as_json, render=render)


@main.command("resolve")
@click.argument("package")
@click.argument("bundle")
@click.option("--applied", is_flag=True, help="The bundle's statement did take effect.")
@click.option("--absent", is_flag=True, help="It did not: apply will run the bundle again.")
@dsn_option
@out_option("resolve")
@json_option
def resolve_cmd(
    package: str, bundle: str, applied: bool, absent: bool, dsn: str | None, out: str | None, as_json: bool
) -> None:
    """Record the truth about an in_doubt BUNDLE of PACKAGE (a package directory or its name)."""
    from pgwarden.ledger.resolve import resolve

    if applied and absent:
        raise click.UsageError("--applied and --absent contradict each other: give the one you found")
    if not (applied or absent):
        raise click.UsageError("give --applied or --absent")
    finding = "applied" if applied else "absent"

    def render(r: ResolveResult) -> str:
        return textsafe.lines(
            [f"bundle {r.bundle} of {r.package} recorded as {r.state} by {r.resolved_by}", f"kit {r.kit}"]
        )

    run(
        lambda: resolve(
            package, bundle, applied=finding == "applied", dsn=dsn, out=Path(out) if out else None, reporter=reporter()
        ),
        as_json=as_json,
        render=render,
    )
