"""``pgwarden apply PACKAGE``: the gated change, as seed 000's operator ran it by hand, and provable.

Gates, in order (each recorded in the kit; the first FAIL stops the run):

1. ``identity``: the live server is the package's ``[target]``;
2. ``integrity``: the files match ``pgwarden.sum``, the manifest is valid, the policy passes;
3. ``ledger``: the per-database lock is taken, and the ledger says what is applied already;
4. ``preflight``: every statement still to run is compatible with the live catalog;
5. ``backup``: a fresh, pinned backup (or, with ``--no-backup``, the operator's, by its sha256: WAIVED);
6. ``rehearsal``: every bundle and rollback proven on a throwaway clone (``--no-rehearse``: WAIVED);
7. ``sidecars``: the definition, before the change, of everything the package replaces, alters or drops;
8. ``probe-before``: the target's fingerprint;
9. ``execute``: the bundles still to run, each one transaction with its ledger row, then its probes;
10. ``rollback``, after a failure: this run's bundles, in reverse, by their approved rollback files; the
    target must then equal probe-before, or the run says "manual repair required" and shows the difference;
11. ``verify``: the package's ``[verify]`` expectations hold on the target;
12. ``probe-after``: the target's fingerprint again, and what changed.

``--dry-run`` runs gates 1 to 4 and changes nothing. Killing the run at any point leaves every bundle
with its ledger row applied entirely or not at all; a new apply continues from there.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg

from pgwarden.apply.execute import BundleOutcome, Executor, RunContext
from pgwarden.apply.options import OnFailure, Options, check_inputs
from pgwarden.apply.results import ApplyResult, BackupEvidence, BundleResult, ExecuteGate, RollbackGate, RunState
from pgwarden.errors import BadInput
from pgwarden.evidence.blocks import Report
from pgwarden.evidence.gates import GateRunner, Verdict
from pgwarden.evidence.kit import EvidenceKit
from pgwarden.expect.expectations import check_verify
from pgwarden.expect.model import VerifyGate
from pgwarden.ledger import ledger
from pgwarden.ledger.adopt import adopt_for_run
from pgwarden.ledger.baseline import Baseline
from pgwarden.ledger.ledger import LedgerRow
from pgwarden.ledger.plan import ledger_gate, make_plan
from pgwarden.package.integrity import integrity_gate
from pgwarden.package.prelude import Prepared, prepare
from pgwarden.package.vars import pins as vars_pins
from pgwarden.pg import search_path
from pgwarden.pg.conn import connection, session_limits
from pgwarden.pg.guard import ServerIdentity, check_guard, identity_gate
from pgwarden.pg.identity import read_identity
from pgwarden.pg.user_sql import check_calls
from pgwarden.preflight.gate import preflight_gate
from pgwarden.preflight.run import run_preflight
from pgwarden.preflight.sidecars import SidecarsGate, capture_sidecars
from pgwarden.probe.fingerprint import Fingerprint, diff_fingerprints, save
from pgwarden.probe.gate import probe_gate
from pgwarden.probe.probe import take_fingerprint
from pgwarden.progress import SILENT, Reporter
from pgwarden.redact import redact_dsn
from pgwarden.rehearse.clone import CloneKind, make_clone
from pgwarden.rehearse.rehearse import rehearse_on_clone
from pgwarden.rehearse.results import rehearsal_gate

GATES = (
    "identity",
    "integrity",
    "ledger",
    "preflight",
    "backup",
    "rehearsal",
    "sidecars",
    "probe-before",
    "execute",
    "rollback",
    "verify",
    "probe-after",
)


def apply(package_dir: Path, opts: Options, reporter: Reporter = SILENT) -> ApplyResult:
    """Run the whole gated change; see the module docstring. Bad input is exit 2 before anything is touched."""
    check_inputs(opts)
    prep = prepare(package_dir)
    pkg, verify_exp = prep.pkg, prep.pkg.verify
    run_id = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{secrets.token_hex(3)}"
    with connection(opts.dsn, application_name=f"pgwarden apply {run_id}") as conn:
        ident = read_identity(conn)
        if verify_exp is not None:  # STABLE/IMMUTABLE only: exit 2 before anything runs (and again at gate 11,
            # when the objects the package creates, a view that could hide a VOLATILE call, exist)
            check_calls(conn, verify_exp.user_queries("[verify]"), search_path.package_path(conn, pkg.settings))
        kit = EvidenceKit.create(
            opts.out,
            "apply",
            {
                "package": str(pkg.root),
                "dsn": redact_dsn(opts.dsn),
                "dry_run": opts.dry_run,
                "on_failure": opts.on_failure.value,
                "no_backup": opts.no_backup,
                "i_have_a_backup": opts.backup_sha256,
                "rehearse": opts.rehearse,
                "run_id": run_id,
            },
        )
        if pkg.vars:  # the [vars] values this run substituted: pinned by sha256, secrets never written
            kit.write_json("package/vars.json", vars_pins(pkg.vars))
        kit.environment.update(server=ident.as_dict(), session_limits=session_limits().__dict__)
        run = _Run(conn, kit, prep, ident, opts, run_id, reporter)
        run.runner.run(run.body, run.finish)
    assert run.result is not None
    return run.result


class _Run:
    def __init__(
        self,
        conn: psycopg.Connection[Any],
        kit: EvidenceKit,
        prep: Prepared,
        ident: ServerIdentity,
        opts: Options,
        run_id: str,
        reporter: Reporter,
    ) -> None:
        self.conn, self.kit, self.pkg, self.pins, self.sources = conn, kit, prep.pkg, prep.pins, prep.sources
        self.findings, self.verify_exp, self.ident, self.opts = list(prep.findings), prep.pkg.verify, ident, opts
        self.run_id, self.prep = run_id, prep
        self.reporter = reporter
        self.runner = GateRunner(kit, GATES, reporter)
        self.s = RunState()
        self.t0 = time.monotonic()
        self.result: ApplyResult | None = None

    def _baseline(self, rows: list[LedgerRow]) -> tuple[Baseline, tuple[str, ...], list[LedgerRow]]:
        """--baseline-from: the other tool's history adopted once (see :mod:`pgwarden.ledger.adopt`)."""
        assert self.opts.baseline_from is not None
        got = adopt_for_run(
            self.conn,
            self.pkg,
            self.pins,
            rows,
            tool=self.opts.baseline_from,
            schema=self.opts.baseline_schema,
            run_id=self.run_id,
            kit=str(self.kit.root),
            db_role=self.ident.role,
            dry_run=self.opts.dry_run,
        )
        if not self.opts.dry_run:
            self.kit.event("baseline", tool=got.baseline.tool, table=got.baseline.table, adopted=list(got.adopted))
        return got.baseline, got.adopted, got.rows

    # -- the gates ----------------------------------------------------------------------------------
    def body(self) -> None:
        r, pkg = self.runner, self.pkg
        with r.gate("identity") as g:
            g.record(identity_gate(self.ident, pkg.target))
            check_guard(self.ident, pkg.target)
        with r.gate("integrity") as g:
            errors = [f for f in self.findings if f.is_error]
            g.record(integrity_gate(self.prep))
            if errors:
                self.s.reasons.append(f"policy: {errors[0].location}: {errors[0].rule}: {errors[0].message}")
                g.fail(f"{len(errors)} policy error(s), first {errors[0].location}: {errors[0].message}")
        with r.gate("ledger") as g:
            ledger.take_lock(self.conn, f"apply {pkg.name}")
            version = ledger.installed_version(self.conn)
            ledger.check_version(version)
            rows = ledger.attempts(self.conn, pkg.name)
            base: Baseline | None = None
            adopted: tuple[str, ...] = ()
            if self.opts.baseline_from:
                base, adopted, rows = self._baseline(rows)
            plan = make_plan(pkg, self.pins, self.sources, rows)
            self.s.plan = plan
            self.s.bundles = {
                b.id: BundleResult(b.order, b.id, b.title, b.atomic, BundleOutcome.ALREADY_APPLIED)
                for b in plan.bundles
                if not b.to_run
            }
            g.record(ledger_gate(version, plan, base, adopted))
        if plan.nothing_to_do:
            self.reporter.step(f"nothing to do: every bundle of {pkg.name} is applied (same hash)")
            for name in GATES[3:]:
                r.skip(name, "nothing to do: the ledger shows every bundle applied with this package hash")
            return
        with r.gate("preflight") as g:
            todo = tuple(b.id for b in plan.to_run)
            report = run_preflight(pkg, self.conn, self.kit, sources=self.sources, only=set(todo), capture=False)
            self.s.preflight = report
            errors = [f for f in report.findings if f.is_error]
            g.record(preflight_gate(report, todo))
            if errors:
                f = errors[0]
                self.s.reasons.append(
                    f"preflight: bundle {f.bundle}, {f.location}: {f.message}"
                    + (f" (SQLSTATE {f.sqlstate})" if f.sqlstate else f" ({f.rule})")
                )
                g.fail(f"{len(errors)} refusal(s) predicted, first bundle {f.bundle} {f.location}: {f.message}")
        if self.opts.dry_run:
            r.skip("backup", "--dry-run: no backup")
            if self.opts.rehearse == "data":
                r.skip("rehearsal", "--dry-run: --rehearse data needs the gate-5 backup")
            else:
                self._rehearsal()
            for name in GATES[6:]:
                r.skip(name, "--dry-run: nothing runs past the rehearsal")
            return
        self._backup()
        self._rehearsal()
        with r.gate("sidecars") as g:
            assert self.s.preflight is not None
            self.s.sidecars = capture_sidecars(self.s.preflight.targets, self.conn, self.opts.dsn, self.kit)
            g.record(SidecarsGate(self.s.sidecars))
        with r.gate("probe-before") as g:
            self.s.before = self._fingerprint()
            save(self.s.before, self.kit.path("probes/before.json"))
            g.record(probe_gate(self.s.before))
        failed = self._execute()
        if failed:
            self._rollback()
            r.skip("verify", f"the run failed at bundle {self.s.failed_bundle}")
        else:
            r.skip("rollback", "nothing failed")
            self._verify()
        self._probe_after(failed)

    def _backup(self) -> None:
        r, opts = self.runner, self.opts
        if opts.no_backup:
            assert opts.backup_sha256 is not None
            self.s.backup = BackupEvidence(True, opts.backup_sha256.lower())
            r.waive(
                "backup", f"--no-backup: the operator's own backup, sha256 {opts.backup_sha256.lower()}", self.s.backup
            )
            return
        from pgwarden.backup.backup import backup

        with r.gate("backup") as g:
            b = backup(opts.dsn, out=self.kit.root / "backup", reporter=self.reporter)
            self.kit.known_hashes[f"backup/{b.dump_rel}"] = b.sha256
            self.s.backup = BackupEvidence(False, b.sha256, b.dump_path, b.bytes, b.kit, b.header, b.toc_entries)
            g.record(self.s.backup)

    def _rehearsal(self) -> None:
        """Gate 6: every bundle still to run, and its rollback, proven on a throwaway clone first."""

        if self.opts.rehearse == "none":
            self.runner.waive("rehearsal", "--no-rehearse: bundles and rollbacks were not proven on a clone")
            return
        assert self.s.plan is not None
        data = self.opts.rehearse == "data"
        dump = Path(self.s.backup.dump) if data and self.s.backup and self.s.backup.dump else None
        todo = [self.pkg.bundle(b.id) for b in self.s.plan.to_run]
        with self.runner.gate("rehearsal") as g:
            with make_clone(
                CloneKind.BACKUP if data else CloneKind.SCHEMA,
                dsn=self.opts.dsn,
                ident=self.ident,
                dump=dump,
                logs=self.kit.path("logs/_").parent,
                reporter=self.reporter,
            ) as clone:
                outcome = rehearse_on_clone(
                    clone,
                    self.pkg,
                    todo,
                    self.verify_exp,
                    search_path.package_path(self.conn, self.pkg.settings),
                    self.reporter,
                )
            self.s.rehearsal = outcome
            g.record(rehearsal_gate(outcome, clone.info))
            if outcome.findings:
                f = outcome.findings[0]
                self.s.reasons.append(f"rehearsal: bundle {f.bundle}, {f.step}: {f.message}")
                g.fail(f"{len(outcome.findings)} rehearsal finding(s), first: bundle {f.bundle}, {f.step}: {f.message}")

    def _ctx(self) -> RunContext:
        return RunContext(
            self.run_id,
            self.s.plan.package_hash if self.s.plan else "",
            str(self.kit.root),
            self.s.backup.sha256 if self.s.backup else None,
            self.ident.role,
        )

    def _execute(self) -> bool:
        """Run the bundles; True when one failed (the rollback gate then runs)."""
        assert self.s.plan is not None
        plan, pkg = self.s.plan, self.pkg
        ex = Executor(self.conn, pkg, self._ctx(), self.reporter)
        try:
            with self.runner.gate("execute") as g:
                ledger.ensure(self.conn)
                ledger.start_run(
                    self.conn,
                    run_id=self.run_id,
                    command="apply",
                    package=pkg.name,
                    package_hash=plan.package_hash,
                    kit=str(self.kit.root),
                    db_role=self.ident.role,
                )
                self.s.run_row = True
                for bp in plan.to_run:
                    b = pkg.bundle(bp.id)
                    attempts, rid = ex.apply(b, bp.order, bp.sha256)
                    if rid is None:
                        last = attempts[-1]
                        outcome = BundleOutcome.IN_DOUBT if not b.transaction else BundleOutcome.FAILED
                        self.s.bundles[b.id] = BundleResult(
                            bp.order, b.id, b.title, b.transaction, outcome, tuple(attempts)
                        )
                        self.s.failure, self.s.failed_bundle = last.error, b.id
                        break
                    self.s.applied_here.append((b.id, rid))
                    probes = tuple(ex.probes(b))
                    bad = [p for p in probes if not p.ok]
                    self.s.bundles[b.id] = BundleResult(
                        bp.order,
                        b.id,
                        b.title,
                        b.transaction,
                        BundleOutcome.PROBE_FAILED if bad else BundleOutcome.APPLIED,
                        tuple(attempts),
                        probes,
                        None,
                        rid,
                    )
                    if bad:
                        self.s.failed_bundle = b.id
                        self.s.reasons.append(
                            f"bundle {b.id}: rollback-only probe {bad[0].name!r} expected "
                            f"{bad[0].expected}, got {bad[0].actual}"
                        )
                        break
                for bp in plan.to_run:
                    self.s.bundles.setdefault(
                        bp.id, BundleResult(bp.order, bp.id, bp.title, bp.atomic, BundleOutcome.NOT_REACHED)
                    )
                g.record(ExecuteGate(self._bundle_results(), self.s.failure))
                if self.s.failure is not None:
                    e = self.s.failure
                    self.s.reasons.insert(
                        0, f"bundle {self.s.failed_bundle} failed at {e.location}: {e.message} (SQLSTATE {e.sqlstate})"
                    )
                    g.fail(self.s.reasons[0])
                elif self.s.failed_bundle is not None:
                    g.fail(self.s.reasons[-1])
        except Exception:
            # an environment problem (lost connection) or a FAIL: the state so far is kept for the report
            if self.s.failed_bundle is None:
                raise
            return True
        return False

    def _rollback(self) -> None:
        s, r = self.s, self.runner
        done = [b for b, _ in s.applied_here]
        if self.opts.on_failure == OnFailure.STOP:
            r.skip(
                "rollback",
                "--on-failure stop: the bundles this run applied are left in place: " + (", ".join(done) or "none"),
            )
            return
        ex = Executor(self.conn, self.pkg, self._ctx(), self.reporter)
        with r.gate("rollback") as g:
            for bundle_id, rid in reversed(s.applied_here):
                b = self.pkg.bundle(bundle_id)
                res = s.bundles[bundle_id]
                if b.rollback is None:
                    s.manual_repair += (
                        f"no rollback: restore the gate-5 backup (bundle {b.id} is forward-only, "
                        f'rollback = "none": {b.rollback_reason})',
                    )
                    break
                err = ex.rollback(b, rid)
                if err is not None:
                    s.bundles[bundle_id] = replace(res, outcome=BundleOutcome.ROLLBACK_FAILED, rollback_error=err)
                    s.manual_repair += (
                        f"rollback of bundle {b.id} failed at {err.location}: {err.message} (SQLSTATE {err.sqlstate})",
                    )
                    break
                s.bundles[bundle_id] = replace(res, outcome=BundleOutcome.ROLLED_BACK)
                s.rolled_back.append(bundle_id)
            assert s.before is not None
            now = self._fingerprint()
            save(now, self.kit.path("probes/after-rollback.json"))
            d = diff_fingerprints(s.before, now)
            s.equals_before = d.identical
            if not d.identical:
                s.manual_repair += tuple(d.lines())
            sidecars = tuple(x.path or x.name for x in s.sidecars)
            g.record(RollbackGate(tuple(s.rolled_back), d.identical, d.changes()[:200], sidecars))
            if s.manual_repair:
                s.reasons.append("manual repair required: " + s.manual_repair[0])
                g.fail("manual repair required: production does not equal probe-before")

    def _verify(self) -> None:
        if self.verify_exp is None or self.verify_exp.empty:
            self.runner.skip("verify", "the manifest has no [verify]")
            return
        with self.runner.gate("verify") as g:
            try:
                self.s.verify = check_verify(
                    self.conn, self.verify_exp, search_path.package_path(self.conn, self.pkg.settings)
                )
            except BadInput as exc:
                self.s.reasons.append(f"[verify] not run: {exc.message}")
                g.fail(f"[verify] not run: {exc.message}")
                return
            failed = [c for c in self.s.verify if not c.ok]
            g.record(VerifyGate(self.s.verify))
            if failed:
                self.s.reasons.append(
                    f"[verify] {failed[0].kind} {failed[0].name}: expected {failed[0].expected}, got {failed[0].actual}"
                )
                g.fail(f"{len(failed)} [verify] expectation(s) failed")

    def _probe_after(self, failed: bool) -> None:
        with self.runner.gate("probe-after") as g:
            after = self._fingerprint()
            save(after, self.kit.path("probes/after.json"))
            assert self.s.before is not None
            d = diff_fingerprints(self.s.before, after)
            lines = tuple(d.lines())
            self.kit.write_text("probes/diff.txt", "\n".join(lines) + "\n" if lines else "IDENTICAL\n")
            self.s.changes = () if failed else lines
            g.record(probe_gate(after, compared_with="probe-before", diff=d))

    def _fingerprint(self) -> Fingerprint:
        """The target's fingerprint, without pgwarden's own ledger (which this run may create)."""
        return take_fingerprint(self.conn).without_schema(ledger.SCHEMA)

    # -- the end ------------------------------------------------------------------------------------
    def _bundle_results(self) -> tuple[BundleResult, ...]:
        assert self.s.plan is not None
        return tuple(
            self.s.bundles.get(b.id) or BundleResult(b.order, b.id, b.title, b.atomic, BundleOutcome.NOT_REACHED)
            for b in self.s.plan.bundles
        )

    def finish(self, verdict: Verdict, error: BaseException | None) -> tuple[Report, object]:
        from pgwarden.apply.report import apply_report

        s = self.s
        if s.run_row and not self.conn.closed and not self.conn.broken:
            with contextlib.suppress(psycopg.Error):
                if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    self.conn.rollback()
                ledger.finish_run(self.conn, self.run_id, verdict.value, s.backup.sha256 if s.backup else None)
        plan = s.plan
        self.result = ApplyResult(
            kit=str(self.kit.root),
            verdict=verdict,
            package=self.pkg.name,
            package_hash=plan.package_hash if plan else "",
            run_id=self.run_id,
            dry_run=self.opts.dry_run,
            nothing_to_do=bool(plan and plan.nothing_to_do),
            plan=plan.bundles if plan else (),
            bundles=self._bundle_results() if plan else (),
            reasons=tuple(s.reasons),
            failure=s.failure,
            failed_bundle=s.failed_bundle,
            on_failure=self.opts.on_failure.value,
            rolled_back=tuple(s.rolled_back),
            equals_probe_before=s.equals_before,
            manual_repair=s.manual_repair,
            backup=s.backup,
            sidecars=s.sidecars,
            verify=tuple(s.verify),
            changes=s.changes,
            replaces=tuple(f"{t.kind} {t.schema}.{t.name}" for t in s.preflight.targets) if s.preflight else (),
            seconds=round(time.monotonic() - self.t0, 3),
            gate_seconds={g.name: g.seconds for g in self.runner.records},
            gate_status={g.name: g.status.value for g in self.runner.records},
        )
        return apply_report(self.result, self.runner.records, self.pkg, self.findings, error), self.result
