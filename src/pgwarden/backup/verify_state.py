"""What one ``pgwarden verify-backup`` learns, gate by gate, kept so that a failure can still be reported,
and the :class:`~pgwarden.backup.verify_result.VerifyResult` built from it."""

from __future__ import annotations

import time
from pathlib import Path

from pgwarden.backup.dumpstream import tree_size
from pgwarden.backup.fidelity import Fidelity, LeftOut, left_out
from pgwarden.backup.pin import PinCheck
from pgwarden.backup.restore import BinaryChoice, ReadCheck, RestoreRun, RoleStandIn
from pgwarden.backup.source_record import SourceRecord, backup_time
from pgwarden.backup.toc import ArchiveHeader
from pgwarden.backup.verify_inputs import Inputs, ServerCheck
from pgwarden.backup.verify_result import Completeness, Production, VerifyResult
from pgwarden.evidence.gates import GateRunner, GateStatus, Verdict
from pgwarden.evidence.kit import EvidenceKit
from pgwarden.expect.model import ExpectationResult
from pgwarden.instances.instance import InstanceInfo
from pgwarden.probe.fingerprint import Fingerprint
from pgwarden.progress import Reporter


class VerifyState:
    """One verification's evidence so far; ``runner`` runs its gates (``gates``, in order)."""

    def __init__(self, kit: EvidenceKit, inp: Inputs, reporter: Reporter, gates: tuple[str, ...]) -> None:
        self.kit, self.inp, self.reporter = kit, inp, reporter
        self.runner = GateRunner(kit, gates, reporter)
        self.t0 = time.monotonic()
        self.reasons: list[str] = []
        self.pin = PinCheck(GateStatus.SKIPPED, "", (), (), None)
        self.archive: ArchiveHeader | None = None
        self.header: dict[str, str] = {}
        self.toc_entries: int | None = None
        self.full_read: ReadCheck | None = None
        self.choice: BinaryChoice | None = None
        self.instance: InstanceInfo | None = None
        self.database: str | None = None
        self.roles: tuple[RoleStandIn, ...] = ()
        self.restore: RestoreRun | None = None
        self.completeness: Completeness | None = None
        self.checks: list[ExpectationResult] = []
        self.teardown: bool | None = None
        self.production: Production | None = None
        self.protected: tuple[ServerCheck, ...] = inp.protected
        self.schema_sql: str | None = None
        self.before: Fingerprint | None = None
        self.prod_notes: tuple[str, ...] = ()
        self.result: VerifyResult | None = None
        self.reader: str | None = None
        self.record: SourceRecord | None = inp.source
        self.record_path: Path | None = inp.source_path
        self.record_problem: str | None = None
        self.fidelity: Fidelity | None = None
        self.left_out: tuple[LeftOut, ...] = ()

    def build(self, verdict: Verdict) -> VerifyResult:
        c = self.choice
        return VerifyResult(
            kit=str(self.kit.root),
            verdict=verdict,
            reasons=tuple(self.reasons),
            dump=str(self.inp.dump.resolve()),
            pin=self.pin,
            dump_bytes=_size(self.inp.dump),
            archive=self.archive,
            header=self.header,
            toc_entries=self.toc_entries,
            full_read=self.full_read,
            server_choice=c.note if c else None,
            restore_binaries=c.restore.describe() if c else None,
            instance=self.instance,
            database=self.database,
            roles=self.roles,
            restore=self.restore,
            completeness=self.completeness,
            checks=tuple(self.checks),
            teardown=self.teardown,
            production=self.production,
            protected=self.protected,
            schema_sql=self.schema_sql,
            seconds=round(time.monotonic() - self.t0, 3),
            expectations_given=self.inp.exp is not None,
            dsn_given=self.inp.dsn is not None,
            source_record=str(self.record_path) if self.record_path else None,
            fidelity=self.fidelity,
            left_out=self.left_out
            or left_out(self.record.facts if self.record else None, None, [x.name for x in self.roles if x.created]),
            failed_gates=tuple(g.name for g in self.runner.failures),
            **backup_time(self.record, self.header),
        )


def _size(path: Path) -> int:
    return tree_size(path) if path.is_dir() else path.stat().st_size
