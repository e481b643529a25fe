"""Backup commands: backup, verify-backup."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pgwarden.cli.base import choice_option, dsn_option, json_option, main, out_option, passed, run
from pgwarden.cli.reporter import reporter
from pgwarden.probe.fingerprint import ROWS_MODES  # light: no database driver
from pgwarden.textsafe import lines as text_lines

if TYPE_CHECKING:
    from pgwarden.backup.backup import BackupResult
    from pgwarden.backup.verify_result import VerifyResult


@main.command("backup")
@dsn_option
@out_option()
@choice_option(
    "--format",
    "fmt",
    choices=("custom", "directory"),
    default="custom",
    help="custom (pg_dump -Fc) or directory (pg_dump -Fd, for --jobs).",
)
@click.option("--jobs", type=int, default=None, help="Parallel pg_dump workers (directory format only).")
@click.option("--compress", default=None, help="Passed to pg_dump -Z (e.g. 0, 9, zstd:3 on 16+).")
@choice_option(
    "--rows",
    choices=ROWS_MODES,
    help="Row counts in the source record, taken in the dump's snapshot (default: exact up to a 10 GiB "
    "database, estimate above).",
)
@json_option
def backup_cmd(
    dsn: str | None, out: str | None, fmt: str, jobs: int | None, compress: str | None, rows: str | None, as_json: bool
) -> None:
    """Take a fresh, SHA-256-pinned backup with its TOC header and a schema-only dump."""
    from pgwarden.backup.backup import backup

    def render(r: BackupResult) -> str:
        return text_lines(
            [
                f"backup {r.status}: {r.dump_path}",
                f"sha256 {r.sha256}  ({r.bytes:,} bytes, {r.toc_entries} TOC entries)",
                f"kit {r.kit}",
            ]
        )

    run(
        lambda: backup(
            dsn, out=Path(out) if out else None, fmt=fmt, jobs=jobs, compress=compress, rows=rows, reporter=reporter()
        ),
        as_json=as_json,
        render=render,
    )


@main.command("verify-backup")
@click.argument("dump", type=click.Path(path_type=Path))
@click.option("--expect", type=click.Path(path_type=Path), default=None, help="Expectations file (TOML).")
@dsn_option
@click.option("--protect", multiple=True, help="A server that must stay distinct and up (repeatable).")
@out_option()
@click.option("--sha256", default=None, help="The dump's pinned SHA-256 (default: from its backup kit).")
@click.option("--jobs", type=int, default=None, help="Parallel pg_restore jobs (default: CPU count, max 8).")
@click.option("--no-owner", is_flag=True, help="pg_restore --no-owner.")
@click.option("--no-privileges", is_flag=True, help="pg_restore --no-privileges.")
@choice_option(
    "--probe-rows", choices=ROWS_MODES, default="exact", help="Row counts in the production probes (with --dsn)."
)
@click.option(
    "--source",
    type=click.Path(path_type=Path),
    default=None,
    help="The source record to compare the restore with (default: probes/source.json of the dump's backup kit).",
)
@json_option
def verify_backup_cmd(
    dump: Path,
    expect: Path | None,
    dsn: str | None,
    protect: tuple[str, ...],
    out: str | None,
    sha256: str | None,
    jobs: int | None,
    no_owner: bool,
    no_privileges: bool,
    probe_rows: str,
    source: Path | None,
    as_json: bool,
) -> None:
    """Restore DUMP into a throwaway instance, compare it with the backup's source record, check
    expectations two ways, tear it down.

    Without --dsn, production is not probed (the PG* environment is not used as "production").
    """
    from pgwarden.backup.verify import verify_backup

    def render(r: VerifyResult) -> str:
        lines = [f"backup verification: {r.verdict}"]
        if r.production is not None:
            lines.append(f"production untouched: {'YES' if r.production.untouched else 'NO'}")
        lines += [f"  {reason}" for reason in r.reasons]
        lines.append(f"kit {r.kit}")
        return text_lines(lines)  # reasons carry server and restore messages: one visible line each

    run(
        lambda: verify_backup(
            dump,
            expect=expect,
            dsn=dsn,
            protect=protect,
            out=Path(out) if out else None,
            sha256=sha256,
            jobs=jobs,
            no_owner=no_owner,
            no_privileges=no_privileges,
            probe_rows=probe_rows,
            source=source,
            reporter=reporter(),
        ),
        as_json=as_json,
        render=render,
        exit_code=passed,
    )
