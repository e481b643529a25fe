"""What ``pgwarden verify-backup`` found: the evidence of one verification, as small typed values."""

from __future__ import annotations

from dataclasses import dataclass, field

from pgwarden.backup.fidelity import Fidelity, LeftOut
from pgwarden.backup.pin import PinCheck
from pgwarden.backup.restore import ReadCheck, RestoreRun, RoleStandIn
from pgwarden.backup.restore_errors import ClassifiedError
from pgwarden.backup.toc import ArchiveHeader
from pgwarden.backup.verify_inputs import ServerCheck
from pgwarden.evidence.gates import Verdict
from pgwarden.expect.model import ExpectationResult
from pgwarden.instances.instance import InstanceInfo


@dataclass(frozen=True)
class Production:
    dsn: str
    system_identifier: str
    untouched: bool | None
    diff: tuple[str, ...]
    before: str  # kit-relative paths of the fingerprints
    after: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Completeness:
    """Every object the archive's schema creates, looked up in the restored database."""

    in_dump: int
    missing: tuple[str, ...]


@dataclass(frozen=True)
class VerifyResult:
    kit: str
    verdict: Verdict
    reasons: tuple[str, ...]
    dump: str
    pin: PinCheck
    dump_bytes: int = 0
    archive: ArchiveHeader | None = None
    header: dict[str, str] = field(default_factory=dict)
    toc_entries: int | None = None
    full_read: ReadCheck | None = None
    server_choice: str | None = None
    restore_binaries: str | None = None
    instance: InstanceInfo | None = None
    database: str | None = None
    roles: tuple[RoleStandIn, ...] = ()
    restore: RestoreRun | None = None
    completeness: Completeness | None = None
    checks: tuple[ExpectationResult, ...] = ()
    teardown: bool | None = None
    production: Production | None = None
    protected: tuple[ServerCheck, ...] = ()
    schema_sql: str | None = None
    seconds: float = 0.0
    expectations_given: bool = False
    dsn_given: bool = False
    source_record: str | None = None  # the source record compared with (absolute path), if any
    fidelity: Fidelity | None = None
    left_out: tuple[LeftOut, ...] = ()  # what a single-database dump leaves out
    backup_taken_at: str | None = None  # UTC: the snapshot's instant, or the archive's creation time
    backup_age_seconds: float | None = None  # at verification
    failed_gates: tuple[str, ...] = ()

    @property
    def restore_errors(self) -> tuple[ClassifiedError, ...]:
        return self.restore.errors if self.restore else ()
