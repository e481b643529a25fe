"""``pgwarden probe`` and ``pgwarden diff``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pgwarden.cli.base import choice_option, dsn_option, json_option, main, out_option, run
from pgwarden.cli.reporter import reporter
from pgwarden.probe.fingerprint import ROWS_MODES  # light: no database driver
from pgwarden.textsafe import lines as text_lines

if TYPE_CHECKING:  # the probe library (psycopg, pglast) is imported when a command runs
    from pgwarden.probe.fingerprint import FingerprintDiff
    from pgwarden.probe.probe import ProbeResult


@main.command("probe")
@dsn_option
@click.option(
    "--fingerprint",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the fingerprint JSON to FILE (it is always in the kit's probes/probe.json).",
)
@choice_option(
    "--rows",
    choices=ROWS_MODES,
    default="none",
    help="Row counts: exact (count(*) per table, slow), estimate (planner statistics) or none.",
)
@out_option()
@click.option("--no-kit", is_flag=True, help="Write no evidence kit (then --fingerprint is required).")
@click.option(
    "--query",
    "queries",
    multiple=True,
    metavar="NAME=SQL",
    help="A named read-only query (one SELECT returning one value), recorded as text. Repeatable.",
)
@json_option
def probe_cmd(
    dsn: str | None,
    fingerprint: Path | None,
    rows: str,
    out: str | None,
    no_kit: bool,
    queries: tuple[str, ...],
    as_json: bool,
) -> None:
    """Take a read-only fingerprint of the database (one entry and hash per object)."""
    from pgwarden.evidence.markdown import md_table
    from pgwarden.probe.probe import parse_query_options, probe

    def render(r: ProbeResult) -> str:
        lines = [f"fingerprint: {r.fingerprint} ({r.entries} objects, sha256 {r.sha256})"]
        if r.kit is not None:
            lines.append(f"kit:         {r.kit}")
        lines.append(
            f"server:      PostgreSQL {r.server.get('server_version')}, database "
            f"{r.server.get('database')}, taken {r.taken_at} in {r.seconds} s"
        )
        if r.rows_total is not None:
            lines.append(f"rows ({r.rows_mode}): {r.rows_total}")
        lines += md_table(["kind", "count"], sorted(r.counts.items())).rstrip().split("\n")
        return text_lines(lines)  # database and object names: one visible line each

    run(
        lambda: probe(
            dsn,
            fingerprint=fingerprint,
            rows=rows,
            out=Path(out) if out else None,
            write_kit=not no_kit,
            queries=parse_query_options(queries),
            reporter=reporter(),
        ),
        as_json=as_json,
        render=render,
    )


@main.command("diff")
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@json_option
def diff_cmd(a: Path, b: Path, as_json: bool) -> None:
    """Compare two fingerprints: exit 0 if identical, 1 with the list of differences otherwise."""
    from pgwarden.probe.fingerprint import diff_files

    def render(d: FingerprintDiff) -> str:
        if d.identical:
            return text_lines(["identical", *(f"note: {n}" for n in d.notes)])
        return text_lines(d.lines())

    run(lambda: diff_files(a, b), as_json=as_json, render=render, exit_code=lambda d: 0 if d.identical else 1)
