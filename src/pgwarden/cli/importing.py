"""``pgwarden import``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pgwarden.cli.base import json_option, main, passed, run
from pgwarden.cli.reporter import reporter

if TYPE_CHECKING:
    from pgwarden.importing.command import ImportResult

FORMATS = ("sqitch", "flyway", "golang-migrate", "popx")


@main.command("import")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(FORMATS))
@click.argument("source", metavar="DIR", type=click.Path(path_type=Path))
@click.argument("out", metavar="OUT", type=click.Path(path_type=Path))
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
              help="A psql variable's value, for migrations that use :NAME (repeatable; written to [vars]).")
@json_option
def import_cmd(fmt: str, source: Path, out: Path, variables: tuple[str, ...], as_json: bool) -> None:
    """Convert a Sqitch, Flyway, golang-migrate or popx migration directory DIR into a change package OUT:
    locked, passing `pgwarden check`, with IMPORT.md listing every decision. Nothing connects."""
    from pgwarden.importing.command import import_migrations

    values = {}
    for v in variables:
        name, sep, value = v.partition("=")
        if not sep or not name:
            raise click.UsageError(f"--var {v!r}: expected NAME=VALUE")
        values[name] = value

    def render(r: ImportResult) -> str:
        lines = [f"import {r.tool}: {r.verdict}: {r.bundles} bundle(s) in {r.package} (check "
                 f"{'passes' if r.errors == 0 else f'has {r.errors} error(s)'})"]
        for title, items in (("skipped", r.skipped), ("split", r.split), ("wrappers stripped", r.stripped),
                             ("\\gexec converted", r.gexec), ("verify scripts", r.verify),
                             ("variables", r.variables), ("waivers", r.waivers)):
            if items:
                lines.append(f"  {title}: {len(items)}")
        lines.append(f"every decision: {Path(r.package) / 'IMPORT.md'}")
        return "\n".join(lines)

    run(lambda: import_migrations(fmt, source, out, variables=values, reporter=reporter()), as_json=as_json,
        render=render, exit_code=passed)
