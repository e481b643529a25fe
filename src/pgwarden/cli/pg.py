"""Server commands: identity, binaries."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pgwarden.cli.base import dsn_option, json_option, main, run
from pgwarden.redact import redact_dsn
from pgwarden.textsafe import lines as text_lines

if TYPE_CHECKING:  # identity needs the database driver: imported when the command runs
    from pgwarden.pg.binaries import BinariesReport
    from pgwarden.pg.identity import IdentityReport


@main.command("identity")
@dsn_option
@click.option(
    "--target",
    "target_file",
    type=click.Path(path_type=Path),
    default=None,
    help="A TOML file (e.g. pgwarden.toml) whose [target] table the server must match.",
)
@json_option
def identity_cmd(dsn: str | None, target_file: Path | None, as_json: bool) -> None:
    """Show the server's identity; with --target, check it against a [target] guard."""
    from pgwarden.pg.identity import identity

    def render(r: IdentityReport) -> str:
        lines = [f"server:            {redact_dsn(dsn) or '(PG* environment)'}"]
        lines += [f"{k + ':':<19}{v}" for k, v in r.identity.as_dict().items()]
        if r.target:
            lines.append("identity guard:    " + ("PASS" if r.ok else "FAIL"))
            lines += [f"  {m.field}: expected {m.expected}, actual {m.actual}" for m in r.mismatches]
        return text_lines(lines)  # server facts and [target] values: one visible line each

    run(lambda: identity(dsn, target_file), as_json=as_json, render=render, exit_code=lambda r: 0 if r.ok else 1)


@main.command("binaries")
@click.option("--major", type=int, default=None, help="Select binaries for this server major (exit 3 if none).")
@json_option
def binaries_cmd(major: int | None, as_json: bool) -> None:
    """Show the PostgreSQL binaries found, in search order."""
    from pgwarden.pg.binaries import binaries

    def render(r: BinariesReport) -> str:
        lines = [f"{b.describe()}: {', '.join(sorted(b.tools))}" for b in r.found] or ["no binaries found"]
        if r.selected is not None:
            lines.append(f"selected for major {major}: {r.selected.describe()}")
        return text_lines(lines)

    run(lambda: binaries(major), as_json=as_json, render=render)
