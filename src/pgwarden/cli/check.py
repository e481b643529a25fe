"""``pgwarden check``: a package's integrity and policy, with --dsn its identity guard and live preflight; and
the formats its findings print in (text, gcc, json, sarif, github)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pgwarden.cli.base import choice_option, dsn_option, json_option, main, out_option, package_argument, passed, run
from pgwarden.cli.formats import FORMATS  # light: its heavy imports wait for a render
from pgwarden.cli.reporter import reporter
from pgwarden.textsafe import block

if TYPE_CHECKING:  # the command imports its library when it runs: start-up stays light
    from pgwarden.check.results import CheckResult
    from pgwarden.cli.formats import Format
    from pgwarden.errors import PgwardenError


@main.command("check")
@package_argument
@dsn_option
@out_option()
@click.option("--no-kit", is_flag=True, help="Write no evidence kit (for pre-commit hooks).")
@click.option(
    "--data-checks",
    is_flag=True,
    default=None,
    help="With --dsn: count, read-only, the rows that would break each statement (SET NOT NULL, ADD CHECK, "
    "unique keys, foreign keys, type changes); default: [policy] data_checks.",
)
@choice_option(
    "--format",
    "fmt",
    choices=FORMATS,
    help="How the findings are printed: text (tables; the default on a terminal), gcc (file:line:col "
    "lines; the default when piped), json (the findings), sarif (SARIF 2.1.0 for code scanning, "
    "paths relative to the repository root), github (workflow annotations; SUMMARY.md is appended "
    "to $GITHUB_STEP_SUMMARY). Paths are relative to the current directory. Not with --json (of the "
    "two, the one on the command line wins over the environment).",
)
@json_option
def check_cmd(
    package: Path,
    dsn: str | None,
    out: str | None,
    no_kit: bool,
    data_checks: bool | None,
    fmt: str | None,
    as_json: bool,
) -> None:
    """Check PACKAGE: pinned hashes, the manifest, and every statement against the policy.

    Without --dsn nothing connects. With --dsn the identity guard and the live preflight run too,
    in read-only transactions: catalog refusals, the lock each statement takes and on which relation,
    with its live size, and with --data-checks the rows that would break a statement.
    """
    from pgwarden.check.check import check
    from pgwarden.cli.formats import Format, default_format
    from pgwarden.errors import PgwardenError

    if no_kit and out is not None:
        raise click.UsageError("--out and --no-kit contradict each other; give one")
    if data_checks and dsn is None:
        raise click.UsageError("--data-checks needs --dsn: the rows are counted on the target")
    if fmt is not None and as_json:  # the command line wins over the environment (PGWARDEN_CHECK_FORMAT/_JSON)
        ctx = click.get_current_context()
        given = [n for n in ("fmt", "as_json") if ctx.get_parameter_source(n) == click.core.ParameterSource.COMMANDLINE]
        if len(given) != 1:
            raise click.UsageError(
                "--json prints the command's envelope and --format the findings; give one "
                "(--format json prints the findings as JSON)"
            )
        fmt, as_json = (fmt, False) if given == ["fmt"] else (None, True)
    chosen = Format(fmt) if fmt else default_format(sys.stdout.isatty())
    cwd = Path.cwd()

    def body() -> CheckResult:
        try:
            return check(
                package,
                dsn=dsn,
                out=Path(out) if out else None,
                write_kit=not no_kit,
                reporter=reporter(),
                data_checks=data_checks,
            )
        except PgwardenError as err:
            if not as_json:
                _show_check_error(err, chosen, package, cwd)
            raise

    run(body, as_json=as_json, render=lambda r: render_check(r, chosen, cwd), exit_code=passed)


def render_check(r: CheckResult, fmt: Format | None = None, cwd: Path | None = None) -> str:
    """``r`` in ``fmt`` (default: text on a TTY, gcc when piped); ``github`` also feeds $GITHUB_STEP_SUMMARY."""
    from pgwarden.cli.formats import Format, default_format, render
    from pgwarden.cli.sarif import repository_root

    fmt = fmt or default_format(sys.stdout.isatty())
    cwd = cwd or Path.cwd()
    if fmt is Format.GITHUB:
        _append_step_summary(lambda: _kit_summary(r))
    root = (repository_root(Path(r.root)) or cwd) if fmt is Format.SARIF else None
    return render(
        r, fmt, cwd=cwd, source_root=root, width=shutil.get_terminal_size((120, 40)).columns, color=sys.stdout.isatty()
    )


def _kit_summary(r: CheckResult) -> str:
    """The kit's SUMMARY.md; with --no-kit, the same report made from the result."""
    from pgwarden.check.report import summary_md

    summary = Path(r.kit, "SUMMARY.md") if r.kit else None
    if summary is not None and summary.is_file():
        return block(summary.read_text(encoding="utf-8"))
    return block(summary_md(r))


def _append_step_summary(text: Callable[[], str]) -> None:
    """Append to the file $GITHUB_STEP_SUMMARY names, when it is set; a failure to write is only a warning."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as f:
            f.write(text().rstrip("\n") + "\n\n")
    except OSError as exc:
        click.echo(
            f"pgwarden: warning: cannot append to $GITHUB_STEP_SUMMARY ({target}): {exc.strerror or exc}", err=True
        )


def _show_check_error(err: PgwardenError, fmt: Format, package: Path, cwd: Path) -> None:
    """A check that could not run still speaks the format a CI step parses: SARIF with a failed invocation,
    GitHub annotations on the files the error names. The other formats leave it to stderr (and --json)."""
    from pgwarden.cli.formats import Format
    from pgwarden.cli.github import github_error, github_error_summary
    from pgwarden.cli.sarif import render_sarif_error, repository_root

    package_dir = package.absolute()
    if fmt is Format.SARIF:
        click.echo(render_sarif_error(err, package_dir=package_dir, source_root=repository_root(package_dir) or cwd))
    elif fmt is Format.GITHUB:
        click.echo(github_error(err, package_dir=package_dir, cwd=cwd))
        _append_step_summary(lambda: github_error_summary(err, package_dir))
