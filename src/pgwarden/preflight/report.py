"""Turning predictions into findings, and the "Preflight" section of the report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pgwarden.evidence.blocks import Block, ErrorCard, Facts, Section, Table, Text
from pgwarden.findings import Finding, Severity
from pgwarden.preflight.prediction import Prediction
from pgwarden.rules import Rule

# Statement kinds whose compatibility preflight exists to prove: unverifiable ones are worth a warning.
_REPLACE_KINDS = ("CREATE OR REPLACE",)
_FACT_ORDER = (
    "object",
    "source",
    "identity_args",
    "full_args",
    "body_md5",
    "body_len",
    "prosecdef",
    "proconfig",
    "owner",
    "relkind",
    "columns",
    "definition_md5",
    "internal",
    "child",
    "constraint",
)


def finding(
    p: Prediction, *, bundle: str | None, file: str, line: int, col: int, statement: str, phase: str = "apply"
) -> Finding | None:
    """A finding for a predicted refusal (error) or an unverifiable replacement (warning)."""
    facts: dict[str, Any] = {k: v for k, v in dict(p.facts).items() if v is not None}
    if phase != "apply":
        facts["phase"] = phase
    if not p.ok:
        if p.detail:
            facts["detail"] = p.detail
        severity = Severity.ERROR
        if not p.exact:  # likely, not certain: reported, but it does not fail the check
            severity = Severity.WARNING
            facts["note"] = (
                p.note
                or "part of this statement could not be evaluated; PostgreSQL may refuse it for another reason first"
            )
        # every refusal names its rule (Refusal, syntax_prediction); one that did not is the server's refusal
        return Finding(
            p.rule or Rule.PREFLIGHT_QUERY,
            bundle,
            file,
            line,
            col,
            statement,
            p.message or "",
            severity,
            p.sqlstate,
            p.hint,
            p.fix,
            facts,
        )
    if not p.exact and p.note and p.kind.startswith(_REPLACE_KINDS):
        return Finding(
            Rule.PREFLIGHT_UNVERIFIED,
            bundle,
            file,
            line,
            col,
            statement,
            f"not verified against the live catalog: {p.note}",
            Severity.WARNING,
            None,
            None,
            "rehearse the package (pgwarden rehearse) to prove this statement on a clone",
            facts,
        )
    return None


def _facts(facts: dict[str, Any]) -> Facts | None:
    keys = [k for k in _FACT_ORDER if k in facts] + [k for k in facts if k not in _FACT_ORDER]
    rows = [(k, _cell(facts[k])) for k in keys if k not in ("detail", "note", "phase")]
    return Facts.of("", rows, ("fact", "value")) if rows else None


def _cell(v: Any) -> str:
    if isinstance(v, list | tuple | dict):
        return json.dumps(v)
    if isinstance(v, bool):
        return "t" if v else "f"
    return str(v)


def _finding_section(f: Finding) -> Section:
    """One refusal (or likely refusal) in full: the server's words, the live object, the fix."""
    phase = f.facts.get("phase")
    title = f"Bundle {f.bundle}{' ' + str(phase) if phase else ''}, {f.location}: `{f.statement}`"
    if f.sqlstate is None:  # a lock-impact error: pgwarden's own judgement, not a server refusal
        return Section(title, (Text(f"**{f.rule}**: {f.message}"), *([Text(f"**Safer:** {f.fix}")] if f.fix else [])))
    detail = f.facts.get("detail")
    blocks: list[Block] = [
        ErrorCard(
            "",
            f.message,
            f.sqlstate,
            str(detail) if detail else None,
            f.hint,
            location=f.location,
            statement=f.statement,
            level="ERROR" if f.is_error else "ERROR (likely)",
        )
    ]
    facts = _facts(dict(f.facts))
    if facts is not None:
        blocks += [Text("Live object:"), facts]
    if f.fix:
        blocks.append(Text(f"**Fix:** {f.fix}"))
    if f.facts.get("note"):
        blocks.append(Text(f"Note: {f.facts['note']}"))
    return Section(title, tuple(blocks))


def preflight_blocks(
    findings: Sequence[Finding],
    *,
    statements: int,
    rollback_statements: int,
    bundles: int,
    server: str,
    sidecars: Section | None = None,
    counts: tuple[int, int, Sequence[tuple[str, str, str, str]]] | None = None,
    extra: Sequence[Block] = (),
) -> tuple[Block, ...]:
    """The "Preflight" section, then ``extra`` (lock impact, data checks) and the sidecars."""
    errors = [f for f in findings if f.is_error]
    warnings = [f for f in findings if not f.is_error]
    verdict = "FAIL" if errors else "PASS"
    blocks: list[Block] = [
        Text(
            f"Checked {statements} statement(s) in {bundles} bundle(s) and {rollback_statements} rollback "
            f"statement(s) against the live catalog ({server}), in a read-only transaction that was rolled back. "
            "Nothing was executed."
        ),
        Text(f"**Preflight {verdict}**: {len(errors)} refusal(s) predicted, {len(warnings)} warning(s)."),
    ]
    if counts is not None:
        refused, predicted, unjudged = counts
        blocks.append(
            Text(
                f"Statements (apply and rollback): {refused} refused, {predicted} predicted to succeed, "
                f"{len(unjudged)} not predicted: preflight cannot judge every part of them, so the "
                "rehearsal (pgwarden rehearse, and apply's rehearsal gate) covers them."
            )
        )
        if unjudged:
            shown = list(unjudged)[:30]
            blocks.append(Table.of("", ["bundle", "where", "statement", "not predicted because"], shown))
            if len(unjudged) > len(shown):
                blocks.append(Text(f"… and {len(unjudged) - len(shown)} more (run.json lists them all)."))
    if findings:
        blocks.append(
            Table.of(
                "",
                ["bundle", "where", "rule", "SQLSTATE", "PostgreSQL would say"],
                [(f.bundle or "", f.location, f.rule, f.sqlstate or "", f.message) for f in findings],
                status=[f.severity.value for f in findings],
            )
        )
    blocks += [_finding_section(f) for f in [*errors, *(w for w in warnings if w.sqlstate)]]
    return (Section("Preflight", tuple(blocks), "preflight"), *extra, *([sidecars] if sidecars else []))
