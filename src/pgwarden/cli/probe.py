"""``pgwarden probe`` and ``pgwarden diff``: thin wrappers over :mod:`pgwarden.probe`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pgwarden.cli.base import dsn_option, json_option, main, run
from pgwarden.fingerprint import ROWS_MODES, FingerprintDiff  # light: no database driver

if TYPE_CHECKING:  # the probe library (psycopg, pglast) is imported when a command runs
    from pgwarden.probe import ProbeResult


@main.command("probe")
@dsn_option
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the fingerprint JSON to FILE (default: probes/probe.json inside the kit).")
@click.option("--rows", type=click.Choice(ROWS_MODES), default="none", show_default=True,
              help="Row counts: exact (count(*) per table, slow), estimate (planner statistics) or none.")
@click.option("--kit", "kit_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Evidence kit directory (default ./pgwarden-runs/<UTC>-probe/).")
@click.option("--no-kit", is_flag=True, help="Write no evidence kit (then --out is required).")
@click.option("--query", "queries", multiple=True, metavar="NAME=SQL",
              help="A named read-only query (one SELECT returning one value), recorded as text. Repeatable.")
@json_option
def probe_cmd(dsn: str | None, out: Path | None, rows: str, kit_dir: Path | None, no_kit: bool,
              queries: tuple[str, ...], as_json: bool) -> None:
    """Take a read-only fingerprint of the database (one entry and hash per object)."""

    def render(r: ProbeResult) -> str:
        lines = [f"fingerprint: {r.fingerprint} ({r.entries} objects, sha256 {r.sha256})"]
        if r.kit is not None:
            lines.append(f"kit:         {r.kit}")
        lines.append(f"server:      PostgreSQL {r.server.get('server_version')}, database "
                     f"{r.server.get('database')}, taken {r.taken_at} in {r.seconds} s")
        if r.rows_total is not None:
            lines.append(f"rows ({r.rows_mode}): {r.rows_total}")
        lines.append(md_table(["kind", "count"], sorted(r.counts.items())).rstrip())
        return "\n".join(lines)

    from pgwarden import probe as probe_mod
    from pgwarden.kit import md_table

    run(lambda: probe_mod.probe(dsn, out=out, rows=rows, kit_dir=kit_dir, write_kit=not no_kit,
                                queries=probe_mod.parse_query_options(queries)),
        as_json=as_json, render=render)


@main.command("diff")
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@json_option
def diff_cmd(a: Path, b: Path, as_json: bool) -> None:
    """Compare two fingerprints: exit 0 if identical, 1 with the list of differences otherwise."""

    def render(d: FingerprintDiff) -> str:
        if as_json:
            return json.dumps(d.to_json(), indent=2, sort_keys=True)
        if d.identical:
            return "\n".join(["identical", *(f"note: {n}" for n in d.notes)])
        return "\n".join(d.lines())

    from pgwarden import probe as probe_mod

    run(lambda: probe_mod.diff(a, b), as_json=False, render=render,
        exit_code=lambda d: 0 if d.identical else 1)
