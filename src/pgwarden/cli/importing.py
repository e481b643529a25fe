"""``pgwarden import``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pgwarden import textsafe
from pgwarden.cli.base import json_option, main, passed, run
from pgwarden.cli.reporter import reporter
from pgwarden.importing.model import TOOLS

if TYPE_CHECKING:
    from pgwarden.importing.command import ImportResult

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a [vars] name


@main.command("import")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(TOOLS))
@click.argument("source", metavar="DIR", type=click.Path(path_type=Path))
@click.argument("out", metavar="OUT", type=click.Path(path_type=Path))
@click.option(
    "--var",
    "variables",
    multiple=True,
    metavar="NAME=VALUE",
    help="A psql variable's value, for migrations that use :NAME (repeatable; written to [vars]).",
)
@click.option(
    "--secret-var",
    "secret_variables",
    multiple=True,
    metavar="NAME=ENVVAR",
    help="A secret psql variable: its value is read from environment variable ENVVAR, only to check the "
    'package; [vars] gets NAME = { env = "ENVVAR", secret = true } and the value is written '
    "nowhere (repeatable; wins over --var and sqitch.conf).",
)
@json_option
def import_cmd(
    fmt: str, source: Path, out: Path, variables: tuple[str, ...], secret_variables: tuple[str, ...], as_json: bool
) -> None:
    """Convert a Sqitch, Flyway, golang-migrate or popx migration directory DIR into a change package OUT:
    locked, passing `pgwarden check`, with IMPORT.md listing every decision. Nothing connects; nothing outside
    DIR is read."""
    from pgwarden.importing.command import import_migrations

    values = _pairs("--var", variables, "NAME=VALUE")
    secrets = _pairs("--secret-var", secret_variables, "NAME=ENVVAR")
    for name, env in secrets.items():
        if not _NAME.fullmatch(name) or not env:
            raise click.UsageError(
                f"--secret-var {name}={env}: expected NAME=ENVVAR, NAME a psql variable name "
                "(letters, digits, '_') and ENVVAR the environment variable holding its value"
            )

    def render(r: ImportResult) -> str:
        lines = [
            f"import {r.tool}: {r.verdict}: {r.bundles} bundle(s) in {r.package} (check "
            f"{'passes' if r.errors == 0 else f'has {r.errors} error(s)'})"
        ]
        for title, items in (
            ("skipped", r.skipped),
            ("split", r.split),
            ("wrappers stripped", r.stripped),
            ("transaction control mirrored", r.transactions),
            ("\\gexec converted", r.gexec),
            ("verify scripts", r.verify),
            ("variables", r.variables),
            ("waivers", r.waivers),
        ):
            if items:
                lines.append(f"  {title}: {len(items)}")
        lines.append(f"every decision: {Path(r.package) / 'IMPORT.md'}")
        return textsafe.lines(lines)

    run(
        lambda: import_migrations(fmt, source, out, variables=values, secret_variables=secrets, reporter=reporter()),
        as_json=as_json,
        render=render,
        exit_code=passed,
    )


def _pairs(option: str, given: tuple[str, ...], shape: str) -> dict[str, str]:
    out = {}
    for v in given:
        name, sep, value = v.partition("=")
        if not sep or not name:
            raise click.UsageError(f"{option} {v!r}: expected {shape}")
        out[name] = value
    return out
