"""``pgwarden rehearse``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pgwarden.cli.base import dsn_option, json_option, main, out_option, package_argument, passed, run
from pgwarden.cli.reporter import reporter
from pgwarden.textsafe import lines as text_lines

if TYPE_CHECKING:
    from pgwarden.rehearse.results import RehearseResult


@main.command("rehearse")
@package_argument
@dsn_option
@click.option("--data", is_flag=True, help="Clone the data too (data-dependent failures show only with data).")
@click.option(
    "--from-backup",
    type=click.Path(path_type=Path),
    default=None,
    help="Rehearse on a restore of this pinned backup (its pin is checked first).",
)
@out_option("rehearse", envvar="PGWARDEN_OUT")
@json_option
def rehearse_cmd(
    package: Path, dsn: str | None, data: bool, from_backup: Path | None, out: str | None, as_json: bool
) -> None:
    """Prove on a throwaway clone that every bundle applies, every rollback restores the state before its
    bundle, every bundle applies again, and the full reverse chain returns to the start. Read-only on the
    target; every broken bundle is reported, not only the first."""
    from pgwarden.rehearse.rehearse import rehearse

    def render(r: RehearseResult) -> str:
        lines = [
            f"rehearse {r.package}: {r.verdict} ({len(r.rehearsed)} bundle(s) rehearsed, "
            f"{len(r.findings)} finding(s), {r.seconds:.1f} s)"
        ]
        lines += [f"  {f.bundle or 'package'} {f.step}: {f.message}" for f in r.findings]
        lines += [f"  lint {f.location}: {f.severity}: {f.rule}: {f.message}" for f in r.lint]
        lines.append(f"kit {r.kit}")
        return text_lines(lines)  # names and server messages: one visible line each

    run(
        lambda: rehearse(
            package, dsn=dsn, data=data, from_backup=from_backup, out=Path(out) if out else None, reporter=reporter()
        ),
        as_json=as_json,
        render=render,
        exit_code=passed,
    )
