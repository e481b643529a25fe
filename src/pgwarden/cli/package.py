"""Change package commands: check, lock, init."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pgwarden.cli.base import dsn_option, json_option, main, out_option, passed, run
from pgwarden.cli.reporter import reporter

if TYPE_CHECKING:  # the commands import their libraries when they run: start-up stays light
    from pgwarden.findings import Finding
    from pgwarden.package.check_result import CheckResult
    from pgwarden.package.init import InitResult
    from pgwarden.package.lock import LockResult


@main.command("check")
@click.argument("package", type=click.Path(path_type=Path))
@dsn_option
@out_option
@click.option("--no-kit", is_flag=True, help="Write no evidence kit (for pre-commit hooks).")
@click.option("--data-checks", is_flag=True, default=None,
              help="With --dsn: count, read-only, the rows that would break each statement (SET NOT NULL, ADD CHECK, "
                   "unique keys, foreign keys, type changes); default: [policy] data_checks.")
@json_option
def check_cmd(package: Path, dsn: str | None, out: str | None, no_kit: bool, data_checks: bool | None,
              as_json: bool) -> None:
    """Check PACKAGE: pinned hashes, the manifest, and every statement against the policy.

    Without --dsn nothing connects. With --dsn the identity guard and the live preflight run too,
    in read-only transactions: catalog refusals, the lock each statement takes and on which relation,
    with its live size, and with --data-checks the rows that would break a statement.
    """
    from pgwarden.package.check import check

    if no_kit and out is not None:
        raise click.UsageError("--out and --no-kit contradict each other; give one")
    if data_checks and dsn is None:
        raise click.UsageError("--data-checks needs --dsn: the rows are counted on the target")
    run(lambda: check(package, dsn=dsn, out=Path(out) if out else None, write_kit=not no_kit, reporter=reporter(),
                      data_checks=data_checks),
        as_json=as_json, render=render_check, exit_code=passed)


@main.command("lock")
@click.argument("package", type=click.Path(path_type=Path))
@json_option
def lock_cmd(package: Path, as_json: bool) -> None:
    """Write PACKAGE/pgwarden.sum (sha256sum -c compatible) over the manifest and every file it names."""

    def render_lock(r: LockResult) -> str:
        lines = [f"{e.sha256}  {e.path}" for e in r.entries]
        note = f"; changed since the previous lock: {', '.join(r.changed)}" if r.changed else ""
        return "\n".join([*lines, f"wrote {r.sum_file} ({len(r.entries)} files{note})"])

    from pgwarden.package.lock import lock

    run(lambda: lock(package), as_json=as_json, render=render_lock)


@main.command("init")
@click.argument("name")
@json_option
def init_cmd(name: str, as_json: bool) -> None:
    """Scaffold a change package NAME (a new directory) that passes `pgwarden check`."""

    def render_init(r: InitResult) -> str:
        return f"created package {r.package} in {r.path}: {', '.join(r.files)}\nnext: edit, review, " \
               f"`pgwarden lock {r.path}`, `pgwarden check {r.path}`"

    from pgwarden.package.init import init

    run(lambda: init(name), as_json=as_json, render=render_init)


# -- how a check result reads on a terminal ---------------------------------------------------------
def render_check(r: CheckResult) -> str:
    """Rich tables on a TTY, grep-friendly ``file:line:col`` lines otherwise."""
    from pgwarden.package.check_report import txn_line

    if sys.stdout.isatty():
        return _render_rich(r)
    out = [f"pgwarden check: {r.package}: {r.verdict} ({r.errors} error(s), {r.warnings} warning(s))"]
    out += [f"  {txn_line(b)}" for b in r.bundles]
    for f in r.findings:
        where = f" [bundle {f.bundle}]" if f.bundle else ""
        out.append(f"{f.location}: {f.severity}: {f.rule}{where}: {f.message}")
        if f.statement:
            out.append(f"    {f.statement}")
        out += _preflight_lines(f)
    if r.kit:
        out.append(f"evidence kit: {r.kit}")
    return "\n".join(out)


def _preflight_lines(f: Finding) -> list[str]:
    """What an operator needs to act on a predicted refusal: SQLSTATE, HINT, the live facts, the fix."""
    out = []
    if f.sqlstate:
        out.append(f"    SQLSTATE {f.sqlstate}")
    if f.hint:
        out.append(f"    HINT: {f.hint}")
    for key in ("identity_args", "full_args", "body_md5", "body_len", "prosecdef", "proconfig"):
        if key in f.facts:
            out.append(f"    live {key}: {f.facts[key]}")
    if f.fix:
        out.append(f"    fix: {f.fix}")
    return out


def _render_rich(r: CheckResult) -> str:
    from rich.console import Console  # imported here: rich is only needed on a terminal
    from rich.table import Table
    from rich.text import Text  # cells are plain text: "[policy]" in a message is not markup

    from pgwarden.package.check_report import kinds_text

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, highlight=False, markup=False, emoji=False,
                      width=shutil.get_terminal_size((120, 40)).columns)
    order = Table(title=f"{r.package}: locked order", show_lines=False)
    for col in ("TXN", "bundle", "title", "statements", "kinds", "notes"):
        order.add_column(col)
    for b in r.bundles:
        notes = ", ".join(x for x in ("non-atomic" if not b.atomic else "",
                                      "irreversible" if b.irreversible else "") if x)
        order.add_row(*(Text(x) for x in (f"TXN-{b.order}", b.id, b.title, str(b.statements), kinds_text(b.kinds),
                                           notes)))
    console.print(order)
    if r.findings:
        table = Table(title="findings", show_lines=True)
        for col in ("location", "rule", "bundle", "statement", "why"):
            table.add_column(col, overflow="fold")
        for f in r.findings:
            style = "red" if f.is_error else "yellow"
            why = "\n".join([f.message, *(line.strip() for line in _preflight_lines(f))])
            table.add_row(Text(f.location), Text(f.rule, style=style), Text(f.bundle or ""), Text(f.statement),
                          Text(why))
        console.print(table)
    line = Text(str(r.verdict), style=f"bold {'green' if r.verdict == 'PASS' else 'red'}")
    line.append(f": {r.errors} error(s), {r.warnings} warning(s)" + (f"; evidence kit: {r.kit}" if r.kit else ""))
    console.print(line)
    return buf.getvalue().rstrip("\n")
