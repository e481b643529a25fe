"""What ``pgwarden apply`` is asked to do: its options, checked before anything connects (bad input: exit 2)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pgwarden.errors import BadInput
from pgwarden.evidence.kit import check_out_dir


class OnFailure(StrEnum):
    ROLLBACK = "rollback"
    STOP = "stop"


@dataclass(frozen=True)
class Options:
    dsn: str | None = None
    out: Path | None = None
    dry_run: bool = False
    on_failure: OnFailure = OnFailure.ROLLBACK
    no_backup: bool = False
    backup_sha256: str | None = None  # --i-have-a-backup
    rehearse: str = "schema"  # schema | data | none
    baseline_from: str | None = None  # sqitch | flyway | golang-migrate | popx: adopt that tool's history
    baseline_schema: str | None = None  # --baseline-schema: the schema of that tool's history table


def check_inputs(opts: Options) -> None:
    check_out_dir(opts.out)
    if opts.rehearse not in ("schema", "data", "none"):
        raise BadInput(f"--rehearse {opts.rehearse!r}: expected schema or data (or --no-rehearse)")
    if opts.no_backup and not opts.backup_sha256:
        raise BadInput(
            "--no-backup needs --i-have-a-backup SHA256: the sha256 of the backup you just took, which the kit records"
        )
    if opts.rehearse == "data" and opts.no_backup:
        raise BadInput("--rehearse data rehearses on a restore of the gate-5 backup; it cannot go with --no-backup")
    if opts.backup_sha256 is not None:
        if not opts.no_backup:
            raise BadInput("--i-have-a-backup is only for --no-backup")
        if len(opts.backup_sha256) != 64 or any(c not in "0123456789abcdef" for c in opts.backup_sha256.lower()):
            raise BadInput(f"--i-have-a-backup {opts.backup_sha256!r}: expected the 64 hexadecimal digits of a sha256")
