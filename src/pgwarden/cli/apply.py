"""``pgwarden apply``: the gated change."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pgwarden import textsafe
from pgwarden.cli.base import choice_option, dsn_option, json_option, main, out_option, package_argument, passed, run
from pgwarden.cli.reporter import reporter
from pgwarden.importing.model import TOOLS

if TYPE_CHECKING:
    from pgwarden.apply.results import ApplyResult


@main.command("apply")
@package_argument
@dsn_option
@out_option("apply", envvar="PGWARDEN_OUT")
@click.option(
    "--dry-run",
    is_flag=True,
    envvar="PGWARDEN_DRY_RUN",
    help="Run gates 1-4 (identity, integrity, ledger, preflight), change nothing, print the plan.",
)
@choice_option(
    "--rehearse",
    choices=("schema", "data"),
    default="schema",
    envvar="PGWARDEN_REHEARSE",
    help="Rehearse on a schema-only clone, or on the backup.",
)
@click.option(
    "--no-rehearse", is_flag=True, envvar="PGWARDEN_NO_REHEARSE", help="Skip the rehearsal (recorded as a waiver)."
)
@choice_option(
    "--on-failure",
    choices=("rollback", "stop"),
    default="rollback",
    envvar="PGWARDEN_ON_FAILURE",
    help="After a failed bundle: roll back this run's bundles in reverse, or stop and leave them.",
)
@click.option(
    "--no-backup",
    is_flag=True,
    envvar="PGWARDEN_NO_BACKUP",
    help="Take no backup (needs --i-have-a-backup; recorded as a waiver).",
)
@click.option(
    "--i-have-a-backup",
    "backup_sha256",
    metavar="SHA256",
    default=None,
    envvar="PGWARDEN_I_HAVE_A_BACKUP",
    help="The sha256 of the backup you just took (with --no-backup), recorded in the kit and ledger.",
)
@choice_option(
    "--baseline-from",
    choices=TOOLS,
    envvar="PGWARDEN_BASELINE_FROM",
    help="Adopt that tool's history on the target: the bundles it applied (by their origin, from pgwarden "
    "import) are recorded once as applied; only the pending ones run. A dirty or failed entry is "
    "refused.",
)
@click.option(
    "--baseline-schema",
    metavar="SCHEMA",
    default=None,
    help="With --baseline-from: the schema that holds the tool's history table (Sqitch's registry, "
    "default sqitch; for the others, needed when the table exists in more than one schema).",
)
@json_option
def apply_cmd(
    package: Path,
    dsn: str | None,
    out: str | None,
    dry_run: bool,
    rehearse: str,
    no_rehearse: bool,
    on_failure: str,
    no_backup: bool,
    backup_sha256: str | None,
    baseline_from: str | None,
    baseline_schema: str | None,
    as_json: bool,
) -> None:
    """Apply PACKAGE to the target through every gate: guarded, backed up, bundle by bundle, provable.

    Each bundle is one transaction with its ledger row. At the first failure the bundles this run applied
    are rolled back in reverse by their approved rollback files, and the target must then equal its probe
    from before the run. A killed run leaves every bundle applied entirely or not at all; run apply again
    to continue.
    """
    from pgwarden.apply.apply import apply
    from pgwarden.apply.options import OnFailure, Options

    if baseline_schema is not None and baseline_from is None:
        raise click.UsageError("--baseline-schema names where another tool's history is: give --baseline-from too")
    opts = Options(
        dsn=dsn,
        out=Path(out) if out else None,
        dry_run=dry_run,
        on_failure=OnFailure(on_failure),
        no_backup=no_backup,
        backup_sha256=backup_sha256,
        rehearse="none" if no_rehearse else rehearse,
        baseline_from=baseline_from,
        baseline_schema=baseline_schema,
    )
    run(lambda: apply(package, opts, reporter()), as_json=as_json, render=render_apply, exit_code=passed)


def render_apply(r: ApplyResult) -> str:
    head = (
        f"apply {r.package}: {r.verdict}"
        + (" (dry run: nothing changed)" if r.dry_run else "")
        + (" (nothing to do)" if r.nothing_to_do else "")
    )
    lines = [head]
    if r.nothing_to_do and not r.dry_run:  # one line, not one per bundle (a real project has hundreds)
        lines.append(f"  nothing to do: {len(r.plan)} bundle(s) already applied with this package hash")
    elif r.dry_run or r.nothing_to_do:
        for b in r.plan:
            what = "to run" if b.to_run else f"{b.state}"
            kinds = ", ".join(f"{n} {k}" for k, n in b.kinds.items())
            lines.append(
                f"  TXN-{b.order} {b.id}: {what}: {b.statements} statement(s) ({kinds})"
                + ("" if b.atomic else " [non-atomic]")
            )
        if r.replaces:
            lines.append(f"  sidecars to capture (objects replaced, altered or dropped): {', '.join(r.replaces)}")
    else:
        for res in r.bundles:
            lines.append(f"  TXN-{res.order} {res.id}: {res.outcome}")
    if r.failure is not None:
        lines += [
            f"  bundle {r.failed_bundle} failed at {r.failure.location}:",
            *(f"    {x}" for x in r.failure.lines()),
        ]
    if r.rolled_back or r.equals_probe_before is not None:
        lines.append(
            f"  rolled back: {', '.join(r.rolled_back) or 'nothing'}; production equals probe-before: "
            f"{'YES' if r.equals_probe_before else 'NO'}"
        )
    if r.manual_repair:
        lines += ["  MANUAL REPAIR REQUIRED:", *(f"    {x}" for x in r.manual_repair[:20])]
    lines += [f"  {x}" for x in r.reasons if r.failure is None]
    lines.append(f"kit {r.kit}")
    return textsafe.lines(lines)
