"""The one gate runner: every gate of every command is timed, typed, recorded and sealed.

A command declares its gates in order (its *plan*) and runs each in ``with runner.gate(name) as g:``.
The block records typed details (a frozen dataclass) with :meth:`Gate.record`, and may end the gate as
FAIL, SKIPPED or WAIVED. An exception ends it too: :class:`~pgwarden.errors.GateFailed` and
:class:`~pgwarden.errors.BadInput` as FAIL, :class:`~pgwarden.errors.Interrupted` (and Ctrl-C) as
INTERRUPTED, anything else as ERROR. The first FAIL stops the run (:class:`StopRun`), except in a gate
opened with ``stop=False``, which only gathers findings; clean-up gates that must run anyway
(teardown, rollback, probe-after) run from a ``finally``.

:meth:`GateRunner.run` runs a command's body and seals the kit on every exit path, ``BaseException``
included: a planned gate that was never reached is recorded as SKIPPED ("not reached"), then the command's
report (:class:`~pgwarden.evidence.blocks.Report`) and result are written with the gates (``run.json``,
``report.json``, ``SUMMARY.md``, ``report.html``), and ``SHA256SUMS`` seals them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pgwarden.errors import BadInput, GateFailed, Interrupted, PgwardenError, interrupted
from pgwarden.evidence.blocks import GateRow, Gates, Report, Text
from pgwarden.evidence.kit import EvidenceKit, utcnow
from pgwarden.jsonable import to_jsonable
from pgwarden.progress import SILENT, Reporter


class GateStatus(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    SKIPPED = "SKIPPED"
    WAIVED = "WAIVED"
    ERROR = "ERROR"
    INTERRUPTED = "INTERRUPTED"


class Verdict(StrEnum):
    """The status of a whole run (``run.json`` ``status``)."""

    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    INTERRUPTED = "INTERRUPTED"


@dataclass(frozen=True)
class GateRecord:
    name: str
    status: GateStatus
    started: str
    finished: str
    seconds: float
    reason: str | None = None  # why it failed, was skipped or waived
    details: object = None  # a frozen dataclass of this gate's facts (or None)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status.value,
            "started": self.started,
            "finished": self.finished,
            "seconds": self.seconds,
            "reason": self.reason,
            "details": to_jsonable(self.details) if self.details is not None else {},
        }


def gate_list(records: Sequence[GateRecord], title: str = "Gates") -> Gates:
    """The gates as a report block: SUMMARY.md's table, the page's timeline."""
    return Gates(
        title, tuple(GateRow(r.name, r.status.value, r.seconds, r.reason or "", r.started, r.finished) for r in records)
    )


def stopped(error: BaseException) -> str:
    """What stopped a run, in one sentence for its report."""
    return error.message if isinstance(error, PgwardenError) else f"{type(error).__name__}: {error}"


Finish = Callable[[Verdict, BaseException | None], tuple[Report, object]]


class StopRun(GateFailed):
    """Raised by the runner when a gate FAILs: the run stops there. :meth:`GateRunner.run` absorbs it."""


class Gate:
    """The handle a gate's block receives."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.status = GateStatus.PASS
        self.reason: str | None = None
        self.details: object = None

    def record(self, details: object) -> None:
        """This gate's facts: a frozen dataclass (recorded whatever the outcome)."""
        self.details = details

    def fail(self, reason: str, details: object = None) -> None:
        self._end(GateStatus.FAIL, reason, details)

    def skip(self, reason: str, details: object = None) -> None:
        self._end(GateStatus.SKIPPED, reason, details)

    def waive(self, reason: str, details: object = None) -> None:
        self._end(GateStatus.WAIVED, reason, details)

    def _end(self, status: GateStatus, reason: str, details: object) -> None:
        self.status, self.reason = status, reason
        if details is not None:
            self.details = details


def status_of(exc: BaseException) -> GateStatus:
    """The gate status an exception ends a gate with."""
    if isinstance(exc, Interrupted | KeyboardInterrupt):
        return GateStatus.INTERRUPTED
    if isinstance(exc, GateFailed | BadInput):
        return GateStatus.FAIL
    return GateStatus.ERROR


def verdict_of(exc: BaseException) -> Verdict:
    """The run status an exception ends a run with."""
    return {GateStatus.INTERRUPTED: Verdict.INTERRUPTED, GateStatus.FAIL: Verdict.FAIL}.get(
        status_of(exc), Verdict.ERROR
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, PgwardenError):
        return "; ".join([exc.message, *exc.details[:3]])
    if isinstance(exc, KeyboardInterrupt):
        return interrupted(exc).message
    return f"{type(exc).__name__}: {exc}"


class GateRunner:
    """Runs and records the gates of one command into one kit."""

    def __init__(self, kit: EvidenceKit, plan: Sequence[str] = (), reporter: Reporter = SILENT) -> None:
        self.kit = kit
        self.plan = tuple(plan)
        self.reporter = reporter
        self.records: list[GateRecord] = []
        self.stopped_at: GateRecord | None = None

    # -- gates --------------------------------------------------------------------------------------
    @contextmanager
    def gate(self, name: str, *, stop: bool = True) -> Iterator[Gate]:
        """Run one gate. A FAIL stops the run, unless ``stop`` is false: a gate that gathers findings
        (``check`` lists every finding; ``verify-backup`` checks every expectation after a degraded
        restore) records its FAIL and lets the run go on to a FAIL verdict."""
        g = Gate(name)
        started, t0 = utcnow(), time.monotonic()
        try:
            yield g
        except StopRun:
            raise  # a gate nested inside this one stopped the run; it is recorded already
        except BaseException as exc:
            self._add(
                GateRecord(
                    name, status_of(exc), started, utcnow(), round(time.monotonic() - t0, 3), _reason(exc), g.details
                )
            )
            raise
        record = self._add(
            GateRecord(name, g.status, started, utcnow(), round(time.monotonic() - t0, 3), g.reason, g.details)
        )
        if record.status == GateStatus.FAIL and stop:
            self.stopped_at = self.stopped_at or record
            raise StopRun(f"gate {name} failed: {g.reason}")

    def skip(self, name: str, reason: str, details: object = None) -> GateRecord:
        now = utcnow()
        return self._add(GateRecord(name, GateStatus.SKIPPED, now, now, 0.0, reason, details))

    def waive(self, name: str, reason: str, details: object = None) -> GateRecord:
        now = utcnow()
        return self._add(GateRecord(name, GateStatus.WAIVED, now, now, 0.0, reason, details))

    def _add(self, record: GateRecord) -> GateRecord:
        self.records.append(record)
        self.kit.event("gate", **record.to_json())
        self.reporter.gate(record.name, record.status.value, record.seconds, record.reason)
        return record

    def get(self, name: str) -> GateRecord | None:
        return next((r for r in reversed(self.records) if r.name == name), None)

    @property
    def verdict(self) -> Verdict:
        if any(r.status == GateStatus.INTERRUPTED for r in self.records):
            return Verdict.INTERRUPTED
        if any(r.status == GateStatus.ERROR for r in self.records):
            return Verdict.ERROR
        return Verdict.FAIL if any(r.status == GateStatus.FAIL for r in self.records) else Verdict.PASS

    @property
    def failures(self) -> tuple[GateRecord, ...]:
        return tuple(r for r in self.records if r.status == GateStatus.FAIL)

    # -- the run ------------------------------------------------------------------------------------
    def run(self, body: Callable[[], None], finish: Finish) -> Verdict:
        """Run ``body`` (its gates), then seal the kit with ``finish(verdict, error)``'s (report, result).

        A FAIL ends ``body`` early and the verdict is FAIL. Any other exception seals the kit with the
        status it implies (FAIL, ERROR or INTERRUPTED) and is re-raised, naming the kit.
        """
        try:
            body()
        except StopRun:
            pass
        except BaseException as exc:
            self._seal(verdict_of(exc), finish, exc)
            if isinstance(exc, PgwardenError):
                exc.kit = str(self.kit.root)
            raise
        verdict = self.verdict
        self._seal(verdict, finish, None)
        return verdict

    def _seal(self, verdict: Verdict, finish: Finish, error: BaseException | None) -> None:
        stop = self.stopped_at
        done = {r.name for r in self.records}
        for name in self.plan:
            if name not in done:
                why = (
                    f"not reached: gate {stop.name} failed"
                    if stop
                    else f"not reached: {_reason(error)}"
                    if error is not None
                    else "not run"
                )
                self.skip(name, why)
        try:
            report, result = finish(verdict, error)
        except Exception as exc:  # the kit must be sealed even if the report cannot be written
            report = Report(
                f"pgwarden {self.kit.command}: {verdict.value}",
                "",
                verdict.value,
                (Text(f"The report could not be written: {type(exc).__name__}: {exc}"), gate_list(self.records)),
            )
            result = {"error": str(exc)}
            if error is None:
                verdict, error = Verdict.ERROR, exc
                self.kit.finish(verdict.value, report, to_jsonable(result), [r.to_json() for r in self.records])
                raise
        self.kit.finish(verdict.value, report, to_jsonable(result), [r.to_json() for r in self.records])
