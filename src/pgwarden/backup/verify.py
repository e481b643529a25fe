"""``pgwarden verify-backup``: prove a dump is complete and restorable, and production untouched.

Inputs are validated before anything runs (:mod:`pgwarden.backup.verify_inputs`: bad input, exit 2, no
kit). Then the gates, in order:

- ``probe-before`` (with ``--dsn``): production's fingerprint;
- ``pin``: the dump's SHA-256 against its pins (a mismatch is a FAIL, exit 1: nothing is restored);
- ``archive``: header and table of contents; ``schema-dump``: the schema SQL, parsed;
- ``instance`` and ``identity-distinct``: a throwaway instance that is not production nor a protected server;
- ``full-read``: every byte of the archive decompressed (it ran in the background since ``archive``);
- ``roles``: NOLOGIN stand-ins for the archive's roles; ``restore``: pg_restore, every error classified;
- ``fidelity``: the restored database against the source record that ``backup`` took in the dump's own
  snapshot (:mod:`pgwarden.backup.fidelity`): every object, owner, grant, policy, constraint and row count;
- ``expectations``: completeness, then the expectations in the schema dump and in the restored database;
- ``teardown``; ``probe-after`` (with ``--dsn``); ``protected``: every protected server still up.

The verdict comes from that evidence, never from pg_restore's exit code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from pgwarden.backup.pin import check_pin
from pgwarden.backup.source_record import record_in_kit
from pgwarden.backup.verify_gates import ProtectedGate
from pgwarden.backup.verify_inputs import Inputs, ServerCheck, server_key, validate
from pgwarden.backup.verify_report import verify_report
from pgwarden.backup.verify_restore import RestoreGates
from pgwarden.backup.verify_result import Production, VerifyResult
from pgwarden.errors import EnvironmentProblem, GateFailed
from pgwarden.evidence.blocks import Report
from pgwarden.evidence.gates import GateStatus, StopRun, Verdict
from pgwarden.evidence.kit import EvidenceKit, check_out_dir
from pgwarden.pg.conn import session_limits
from pgwarden.probe.fingerprint import Fingerprint, diff_fingerprints, save
from pgwarden.probe.gate import probe_gate
from pgwarden.probe.probe import fingerprint_dsn
from pgwarden.progress import SILENT, Reporter
from pgwarden.redact import redact_dsn


def plan(inp: Inputs) -> tuple[str, ...]:
    """The gates of this verification, in order."""
    return (
        *(("probe-before",) if inp.dsn else ()),
        "pin",
        "archive",
        "schema-dump",
        "instance",
        "identity-distinct",
        "full-read",
        "roles",
        "restore",
        "fidelity",
        "expectations",
        "teardown",
        *(("probe-after",) if inp.dsn else ()),
        *(("protected",) if inp.protected else ()),
    )


def verify_backup(
    dump: Path,
    *,
    expect: Path | None = None,
    dsn: str | None = None,
    protect: Sequence[str] = (),
    out: Path | None = None,
    sha256: str | None = None,
    jobs: int | None = None,
    no_owner: bool = False,
    no_privileges: bool = False,
    probe_rows: str = "exact",
    source: Path | None = None,
    reporter: Reporter = SILENT,
) -> VerifyResult:
    """Run the whole verification and return its evidence; the verdict is in ``.verdict``. ``source`` is a
    source record (``probes/source.json`` of a backup kit) for a dump that is not inside its kit."""
    check_out_dir(out)
    inp = validate(Path(dump), expect, dsn, protect, sha256, jobs, no_owner, no_privileges, probe_rows, source)
    kit = EvidenceKit.create(
        out,
        "verify-backup",
        {
            "dump": str(dump),
            "expect": str(expect) if expect else None,
            "dsn": redact_dsn(dsn),
            "protect": [redact_dsn(p) for p in protect],
            "sha256": sha256,
            "jobs": inp.jobs,
            "no_owner": no_owner,
            "no_privileges": no_privileges,
            "probe_rows": probe_rows,
            "source": str(source) if source else None,
        },
    )
    kit.environment["session_limits"] = asdict(session_limits())
    if inp.exp_text is not None:
        kit.write_text("expectations.toml", inp.exp_text)
    run = _Run(kit, inp, reporter, plan(inp))
    run.runner.run(run.body, run.finish)
    assert run.result is not None
    return run.result


class _Run(RestoreGates):
    """One verification, gate by gate: production's side here, the restore's in :class:`RestoreGates`."""

    def finish(self, verdict: Verdict, error: BaseException | None) -> tuple[Report, object]:
        self.result = self.build(verdict)
        return verify_report(self.result, self.runner.records, error), self.result

    # -- the run ------------------------------------------------------------------------------------
    def body(self) -> None:
        if self.inp.dsn is not None:
            self._probe_before()
        try:
            self._pin()
            self._find_record()
            self.archive_and_restore()
        except StopRun:
            pass  # recorded; production and the protected servers are still checked below
        except GateFailed as exc:
            # A damaged archive or a refused instance is a FAIL of the verification (exit 1).
            self.reasons.append(exc.message)
        if self.inp.dsn is not None:
            self._probe_after()
        self._protected_at_end()

    def _probe_before(self) -> None:
        with self.runner.gate("probe-before") as g:
            self.reporter.step("probing production before the verification")
            self.before, notes = _fingerprint(self.inp.dsn, self.inp.rows)
            save(self.before, self.kit.path("probes/production-before.json"))
            g.record(probe_gate(self.before, notes=tuple(notes)))
            self.prod_notes = notes

    def _pin(self) -> None:
        with self.runner.gate("pin") as g:
            self.reporter.step(f"checking the pin of {self.inp.dump}")
            pin = check_pin(self.inp.dump, self.inp.sha256)
            self.pin = pin
            g.record(pin)
            if pin.status == GateStatus.SKIPPED:
                g.skip(
                    "no pin: the dump is not in a backup kit and no --sha256 was given; only the full read "
                    "can catch corruption, and in an uncompressed archive it cannot"
                )
            if pin.status == GateStatus.FAIL:
                # What verify-backup exists to find out is a verdict, not bad input: FAIL, exit 1.
                self.reasons.append(
                    "hash mismatch: "
                    + "; ".join(pin.problems[:3])
                    + "; the dump's bytes are not the bytes that were pinned, so nothing was "
                    "restored"
                )
                g.fail("hash mismatch: " + pin.problems[0])

    def _find_record(self) -> None:
        """The source record: ``--source``, or the one in the backup kit the dump sits in."""
        if self.record is None and self.pin.kit is not None:
            self.record, self.record_path, self.record_problem = record_in_kit(Path(self.pin.kit))

    def _probe_after(self) -> None:
        inp = self.inp
        assert inp.dsn is not None and inp.prod is not None
        with self.runner.gate("probe-after") as g:
            self.reporter.step("probing production after the verification")
            after, notes = _fingerprint(inp.dsn, inp.rows)
            save(after, self.kit.path("probes/production-after.json"))
            if self.before is None:
                g.fail("no probe was taken before: nothing to compare")
                return
            d = diff_fingerprints(self.before, after)
            lines = tuple(d.lines())
            self.kit.write_text("probes/diff.txt", "\n".join(lines) + "\n" if lines else "IDENTICAL\n")
            g.record(probe_gate(after, compared_with="probe-before", diff=d, notes=tuple(notes)))
            self.production = Production(
                inp.prod.dsn,
                inp.prod.system_identifier,
                d.identical,
                lines,
                "probes/production-before.json",
                "probes/production-after.json",
                self.prod_notes + notes,
            )
            if not d.identical:
                self.reasons.append("production changed during the verification (probe diff is not empty)")
                g.fail("production changed during the verification")

    def _protected_at_end(self) -> None:
        out = []
        for dsn, s in zip(self.inp.protect_dsns, self.protected, strict=True):
            try:
                now, _ = server_key(dsn, s.label)
                up = now.system_identifier == s.system_identifier
            except EnvironmentProblem:
                up = False
            out.append(ServerCheck(s.label, s.dsn, s.system_identifier, s.server_version, s.distinct_from_instance, up))
            if not up:
                self.reasons.append(f"{s.label} ({s.dsn}) is not up at the end")
            if s.distinct_from_instance is False:
                self.reasons.append(f"{s.label} has the throwaway instance's system_identifier")
        self.protected = tuple(out)
        if out:
            with self.runner.gate("protected") as g:
                g.record(ProtectedGate(tuple(out)))
                if not all(o.up_at_end for o in out):
                    g.fail("a protected server is not up at the end")
                if any(o.distinct_from_instance is False for o in out):
                    g.fail("a protected server has the throwaway instance's system_identifier")


def _fingerprint(dsn: str | None, rows: str) -> tuple[Fingerprint, tuple[str, ...]]:
    """Probe production with pgwarden's own catalog queries only: user SQL never runs there."""
    return fingerprint_dsn(dsn, rows=rows), (
        "user SQL (counts and values) ran only on the restored copy, never on production",
    )
