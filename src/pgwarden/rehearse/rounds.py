"""The rehearsal's algorithm, on a throwaway clone, in 3N bundle runs (the design's "Rehearsal").

With F(k) the fingerprint after bundles 1..k: take F(0); for each bundle k, apply it and take F(k), run
its rollback-only probes, roll it back and require F(k-1), apply it again and require F(k); check
``[verify]``; then roll every bundle back in reverse and require F(0). Each rollback is shown to restore
exactly the state before its bundle, so every failure point of a real run has a proven way back.

Each round trip runs in one transaction with savepoints: whatever the rollback or the re-apply did, the
round trip returns to exactly F(k) (``ROLLBACK TO SAVEPOINT``) before the next bundle, so that one broken
rollback never hides the next. A bundle that fails to apply is reported and left out, as a real run would
have stopped there; the bundles after it are still rehearsed, from the state before it. A non-atomic
bundle (``transaction = false``) runs outside a transaction; if its round trip breaks, the state is no
longer known and the rehearsal stops there, saying so.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import psycopg

from pgwarden.changes import ChangeSign, ObjectChange
from pgwarden.errors import BadInput
from pgwarden.evidence.gates import GateStatus
from pgwarden.expect.expectations import check_verify
from pgwarden.expect.model import ExpectationResult, Expectations
from pgwarden.ledger.ledger import SCHEMA as LEDGER_SCHEMA
from pgwarden.package.manifest import Bundle, Package
from pgwarden.package.verify_scripts import probes_after
from pgwarden.pg import search_path
from pgwarden.probe.fingerprint import Fingerprint, FingerprintDiff, diff_fingerprints
from pgwarden.probe.probe import fingerprint_here, take_fingerprint
from pgwarden.progress import SILENT, Reporter
from pgwarden.runner import settings
from pgwarden.runner.probes import ProbeOutcome, run_probe
from pgwarden.runner.statements import ServerError, run_statements, statements_of


class Step(StrEnum):
    APPLY = "apply"
    PROBE = "probe"
    ROLLBACK = "rollback"
    REAPPLY = "re-apply"
    VERIFY = "verify"
    FULL_REVERSE = "full reverse"


@dataclass(frozen=True)
class StepResult:
    bundle: str | None
    step: Step
    status: GateStatus
    seconds: float
    note: str = ""


@dataclass(frozen=True)
class RehearsalFinding:
    """A broken bundle: which one, at which step, and exactly how."""

    bundle: str | None
    step: Step
    message: str  # one sentence: "B.rollback.sql leaves trigger … behind"
    difference: tuple[ObjectChange, ...] = ()  # the fingerprint difference, structured, one per object
    error: ServerError | None = None
    matches_bundle: str | None = None  # a rollback that undoes another bundle's objects: which one


@dataclass
class Outcome:
    steps: list[StepResult] = field(default_factory=list)
    findings: list[RehearsalFinding] = field(default_factory=list)
    verify: tuple[ExpectationResult, ...] = ()
    rehearsed: list[str] = field(default_factory=list)
    unproven: list[str] = field(default_factory=list)  # forward-only bundles: no way back but the backup
    adds: dict[str, set[str]] = field(default_factory=dict)  # names of the objects each bundle adds
    fingerprints: int = 0
    seconds: float = 0.0


def _without_ledger(fp: Fingerprint) -> Fingerprint:
    return fp.without_schema(LEDGER_SCHEMA)


class Rehearsal:
    """Runs the algorithm for ``bundles`` (the ones the target has not applied) on ``conn``, the clone."""

    def __init__(self, conn: psycopg.Connection[Any], pkg: Package, reporter: Reporter = SILENT) -> None:
        self.conn, self.pkg, self.reporter = conn, pkg, reporter
        self.out = Outcome()

    # -- helpers ------------------------------------------------------------------------------------
    def _fp(self, cur: psycopg.Cursor[Any] | None = None) -> Fingerprint:
        self.out.fingerprints += 1
        if cur is None:
            return _without_ledger(take_fingerprint(self.conn))
        return _without_ledger(fingerprint_here(cur))

    def _step(self, bundle: str | None, step: Step, t0: float, ok: bool | None, note: str = "") -> None:
        status = GateStatus.SKIPPED if ok is None else GateStatus.PASS if ok else GateStatus.FAIL
        self.out.steps.append(StepResult(bundle, step, status, round(time.monotonic() - t0, 3), note))

    def _find(
        self,
        bundle: str | None,
        step: Step,
        message: str,
        diff: FingerprintDiff | None = None,
        error: ServerError | None = None,
    ) -> None:
        self.out.findings.append(RehearsalFinding(bundle, step, message, diff.changes() if diff else (), error))

    # -- the algorithm ------------------------------------------------------------------------------
    def run(
        self, bundles: Sequence[Bundle], verify: Expectations | None, verify_conn: Callable[[], Any] | None = None
    ) -> Outcome:
        t_all = time.monotonic()
        state = self._fp()  # F(0)
        f0 = state
        applied: list[Bundle] = []
        for b in bundles:
            self.reporter.step(f"rehearsing bundle {b.id} ({b.title})")
            if b.transaction:
                after = self._round_trip(b, state)
            else:
                maybe = self._round_trip_non_atomic(b, state)
                if maybe is None:
                    rest = [x.id for x in bundles[bundles.index(b) + 1 :]]
                    if rest:
                        self._find(
                            None,
                            Step.APPLY,
                            f"the rehearsal stopped after non-atomic bundle {b.id}, whose "
                            f"round trip broke: {', '.join(rest)} not rehearsed",
                        )
                    break
                after = maybe
            if after is not state:
                self.out.adds[b.id] = {e.name for e in diff_fingerprints(state, after).added}
                state = after
                applied.append(b)
                self.out.rehearsed.append(b.id)
        self._verify(verify, verify_conn)
        self._full_reverse(applied, f0)
        self._name_shifted_rollbacks()
        self.out.seconds = round(time.monotonic() - t_all, 3)
        return self.out

    def _round_trip(self, b: Bundle, before: Fingerprint) -> Fingerprint:
        """Apply, probes, rollback, re-apply of one atomic bundle; returns F(k) (``before`` if it failed)."""
        conn = self.conn
        apply_stmts = statements_of(self.pkg, b.apply_rel)
        rollback_stmts = statements_of(self.pkg, b.rollback_rel) if b.rollback and b.rollback_rel else None
        with conn.transaction(), conn.cursor() as cur:
            settings.enter(cur, self.pkg.settings)
            cur.execute("SAVEPOINT pgwarden_before")
            t0 = time.monotonic()
            err = run_statements(cur, apply_stmts, b.apply_rel)
            if err is not None:
                cur.execute("ROLLBACK TO SAVEPOINT pgwarden_before")
                self._step(b.id, Step.APPLY, t0, False, err.message)
                self._find(b.id, Step.APPLY, f"{b.apply_rel} fails at {err.location}: {err.said}", error=err)
                for step in (Step.PROBE, Step.ROLLBACK, Step.REAPPLY):
                    self._step(b.id, step, time.monotonic(), None, "not reached: the bundle does not apply")
                return before
            fk = self._fp(cur)
            self._step(b.id, Step.APPLY, t0, True)
            self._probes(cur, b)
            cur.execute("SAVEPOINT pgwarden_applied")
            if rollback_stmts is None:
                self._step(b.id, Step.ROLLBACK, time.monotonic(), None, f"forward-only: {b.rollback_reason}")
                self._step(b.id, Step.REAPPLY, time.monotonic(), None, "forward-only")
                self.out.unproven.append(b.id)  # not a failure: there is nothing to prove, only the backup
                return fk
            t0 = time.monotonic()
            err = run_statements(cur, rollback_stmts, str(b.rollback_rel))
            if err is not None:
                self._step(b.id, Step.ROLLBACK, t0, False, err.message)
                self._find(b.id, Step.ROLLBACK, f"{b.rollback_rel} fails at {err.location}: {err.said}", error=err)
                self._step(b.id, Step.REAPPLY, time.monotonic(), None, "not reached: the rollback fails")
                cur.execute("ROLLBACK TO SAVEPOINT pgwarden_applied")
                return fk
            back = self._fp(cur)
            d = diff_fingerprints(before, back)
            self._step(b.id, Step.ROLLBACK, t0, d.identical)
            if not d.identical:
                self._find(b.id, Step.ROLLBACK, _explain(str(b.rollback_rel), b.id, d), d)
            t0 = time.monotonic()
            err = run_statements(cur, apply_stmts, b.apply_rel)
            if err is not None:
                self._step(b.id, Step.REAPPLY, t0, False, err.message)
                self._find(
                    b.id,
                    Step.REAPPLY,
                    f"{b.apply_rel} is not re-runnable after its rollback: {err.said} (at {err.location})",
                    error=err,
                )
            else:
                again = self._fp(cur)
                d2 = diff_fingerprints(fk, again)
                self._step(b.id, Step.REAPPLY, t0, d2.identical)
                if not d2.identical:
                    self._find(
                        b.id,
                        Step.REAPPLY,
                        f"{b.apply_rel} applied again after its rollback does not give the same state",
                        d2,
                    )
            cur.execute("ROLLBACK TO SAVEPOINT pgwarden_applied")  # exactly F(k), whatever happened above
        return fk

    def _round_trip_non_atomic(self, b: Bundle, before: Fingerprint) -> Fingerprint | None:
        """The same for a ``transaction = false`` bundle; None when its round trip broke the known state."""
        stmts = statements_of(self.pkg, b.apply_rel)
        with settings.for_session(self.conn, self.pkg.settings) as cur:
            t0 = time.monotonic()
            err = run_statements(cur, stmts, b.apply_rel)
            if err is not None:
                self._step(b.id, Step.APPLY, t0, False, err.message)
                self._find(b.id, Step.APPLY, f"{b.apply_rel} fails at {err.location}: {err.message}", error=err)
                return None
            fk = self._fp()
            self._step(b.id, Step.APPLY, t0, True)
            self._probes(None, b)
            if b.rollback is None or b.rollback_rel is None:
                self._step(b.id, Step.ROLLBACK, time.monotonic(), None, "forward-only")
                self.out.unproven.append(b.id)
                return fk
            t0 = time.monotonic()
            err = run_statements(cur, statements_of(self.pkg, b.rollback_rel), b.rollback_rel)
            back_nc = self._fp() if err is None else None
            d = diff_fingerprints(before, back_nc) if back_nc is not None else None
            self._step(
                b.id, Step.ROLLBACK, t0, err is None and d is not None and d.identical, err.message if err else ""
            )
            if err is not None:
                self._find(b.id, Step.ROLLBACK, f"{b.rollback_rel} fails at {err.location}: {err.message}", d, err)
                return None
            if d is not None and not d.identical:
                self._find(b.id, Step.ROLLBACK, _explain(b.rollback_rel, b.id, d), d)
                return None
            t0 = time.monotonic()
            err = run_statements(cur, stmts, b.apply_rel)
            again = self._fp() if err is None else None
            d2 = diff_fingerprints(fk, again) if again is not None else None
            self._step(
                b.id, Step.REAPPLY, t0, err is None and d2 is not None and d2.identical, err.message if err else ""
            )
            if err is not None or (d2 is not None and not d2.identical):
                self._find(
                    b.id,
                    Step.REAPPLY,
                    f"{b.apply_rel} is not re-runnable after its rollback" + (f": {err.message}" if err else ""),
                    d2,
                    err,
                )
                return None
            return fk

    def _probes(self, cur: psycopg.Cursor[Any] | None, b: Bundle) -> None:
        """``b``'s rollback-only probes: inside the round trip's transaction (``cur``) or, after a non-atomic
        bundle, each in a transaction of its own; the same runner and judgement as apply's."""
        path = search_path.package_path(self.conn, self.pkg.settings)
        for p in probes_after(self.pkg, b):
            t0 = time.monotonic()
            outcome = run_probe(self.conn, self.pkg, p, path, cur)
            self._probe_result(b, outcome, t0)

    def _probe_result(self, b: Bundle, o: ProbeOutcome, t0: float) -> None:
        self._step(b.id, Step.PROBE, t0, o.ok, o.verdict)
        if not o.ok:
            self._find(
                b.id, Step.PROBE, f"rollback-only probe {o.name!r} after {b.id} expects {o.expected}, gets {o.actual}"
            )

    def _verify(self, verify: Expectations | None, verify_conn: Callable[[], Any] | None) -> None:
        t0 = time.monotonic()
        if verify is None or verify.empty:
            self._step(None, Step.VERIFY, t0, None, "no [verify]")
            return
        with contextlib.ExitStack() as stack:
            conn = stack.enter_context(verify_conn()) if verify_conn is not None else self.conn
            try:
                self.out.verify = check_verify(conn, verify, search_path.package_path(conn, self.pkg.settings))
            except BadInput as exc:
                self._step(None, Step.VERIFY, t0, False, "not run")
                self._find(None, Step.VERIFY, f"[verify] not run: {exc.message}")
                return
        failed = [c for c in self.out.verify if not c.ok]
        self._step(
            None, Step.VERIFY, t0, not failed, f"{len(failed)} of {len(self.out.verify)} failed" if failed else ""
        )
        for c in failed:
            self._find(
                None,
                Step.VERIFY,
                f"[verify] {c.kind} {c.name}: expected {c.expected}, got {c.actual}"
                + (f" ({c.error})" if c.error else ""),
            )

    def _full_reverse(self, applied: list[Bundle], f0: Fingerprint) -> None:
        t0 = time.monotonic()
        if not applied:
            self._step(None, Step.FULL_REVERSE, t0, None, "nothing was applied")
            return
        for b in reversed(applied):
            if b.rollback is None or b.rollback_rel is None:
                self._step(None, Step.FULL_REVERSE, t0, None, f"stops at forward-only bundle {b.id}")
                return
            stmts = statements_of(self.pkg, b.rollback_rel)
            if b.transaction:
                with self.conn.transaction(), self.conn.cursor() as cur:
                    settings.enter(cur, self.pkg.settings)
                    cur.execute("SAVEPOINT pgwarden_reverse")
                    err = run_statements(cur, stmts, b.rollback_rel)
                    if err is not None:
                        cur.execute("ROLLBACK TO SAVEPOINT pgwarden_reverse")
            else:
                with settings.for_session(self.conn, self.pkg.settings) as cur:
                    err = run_statements(cur, stmts, b.rollback_rel)
            if err is not None:
                self._step(None, Step.FULL_REVERSE, t0, False, f"{b.rollback_rel}: {err.message}")
                self._find(
                    b.id,
                    Step.FULL_REVERSE,
                    f"rolling everything back in reverse, {b.rollback_rel} fails at {err.location}: {err.said}",
                    error=err,
                )
                return
        d = diff_fingerprints(f0, self._fp())
        self._step(None, Step.FULL_REVERSE, t0, d.identical, "F(0) restored" if d.identical else "")
        if not d.identical:
            self._find(None, Step.FULL_REVERSE, "rolling every bundle back in reverse does not return to F(0)", d)

    def _name_shifted_rollbacks(self) -> None:
        """A rollback that fails on, or removes, another bundle's objects: say which bundle it matches."""
        names = self.out.adds
        out = []
        for f in self.out.findings:
            if f.step != Step.ROLLBACK or f.bundle is None:
                out.append(f)
                continue
            mentioned = set(re.findall(r'"([^"]+)"', f.error.message)) if f.error else set()
            mentioned |= {c.name for c in f.difference if c.sign is ChangeSign.REMOVED}
            match = next(
                (
                    b
                    for b, objs in names.items()
                    if b != f.bundle
                    and any(
                        m == o or o.endswith("." + m) or o.startswith(m + "(") or ("." + m + "(") in o
                        for m in mentioned
                        for o in objs
                    )
                ),
                None,
            )
            if match:
                f = RehearsalFinding(
                    f.bundle,
                    f.step,
                    f.message + f"; it looks like the rollback of bundle {match}, whose objects it names",
                    f.difference,
                    f.error,
                    match,
                )
            out.append(f)
        self.out.findings = out


def _top(entries: Sequence[Any]) -> list[Any]:
    """The objects themselves, not the columns and constraints of a table that is listed too."""
    tables = {e.name for e in entries if e.kind in ("table", "view", "matview")}
    return [e for e in entries if not any(e.name.startswith(t + ".") for t in tables)]


def _explain(rollback_rel: str, bundle: str, d: FingerprintDiff) -> str:
    """ "B.rollback.sql leaves function public.f(int) behind", "drops …", "does not restore …"."""
    parts = []
    added, removed = _top(d.added), _top(d.removed)
    if added:
        parts.append(
            "leaves "
            + ", ".join(f"{e.kind} {e.name}" for e in added[:5])
            + " behind"
            + (f" (and {len(added) - 5} more)" if len(added) > 5 else "")
        )
    if removed:
        parts.append(
            "drops "
            + ", ".join(f"{e.kind} {e.name}" for e in removed[:5])
            + f", which existed before bundle {bundle}"
            + (f" (and {len(removed) - 5} more)" if len(removed) > 5 else "")
        )
    if d.changed:
        parts.append("does not restore " + ", ".join(f"{a.kind} {a.name}" for a, _ in d.changed[:5]))
    return f"{rollback_rel} " + "; ".join(parts or ["does not restore the state before its bundle"])
