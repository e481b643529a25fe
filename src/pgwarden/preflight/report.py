"""Turning predictions into findings, and the "Preflight" section of SUMMARY.md."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pgwarden.evidence.markdown import md_table
from pgwarden.findings import Finding, Severity
from pgwarden.preflight.prediction import Prediction

# Statement kinds whose compatibility preflight exists to prove: unverifiable ones are worth a warning.
_REPLACE_KINDS = ("CREATE OR REPLACE",)
_FACT_ORDER = ("object", "source", "identity_args", "full_args", "body_md5", "body_len", "prosecdef", "proconfig",
               "owner", "relkind", "columns", "definition_md5", "internal", "child", "constraint")


def finding(p: Prediction, *, bundle: str | None, file: str, line: int, col: int, statement: str,
            phase: str = "apply") -> Finding | None:
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
            facts["note"] = p.note or "part of this statement could not be evaluated; PostgreSQL may refuse it " \
                                      "for another reason first"
        return Finding(p.rule or "preflight", bundle, file, line, col, statement, p.message or "", severity,
                       p.sqlstate, p.hint, p.fix, facts)
    if not p.exact and p.note and p.kind.startswith(_REPLACE_KINDS):
        return Finding("preflight.unverified", bundle, file, line, col, statement,
                       f"not verified against the live catalog: {p.note}", Severity.WARNING, None, None,
                       "rehearse the package (pgwarden rehearse) to prove this statement on a clone", facts)
    return None


def _facts_table(facts: dict[str, Any]) -> str:
    keys = [k for k in _FACT_ORDER if k in facts] + [k for k in facts if k not in _FACT_ORDER]
    rows = [(k, _cell(facts[k])) for k in keys if k not in ("detail", "note", "phase")]
    return md_table(["fact", "value"], rows) if rows else ""


def _cell(v: Any) -> str:
    if isinstance(v, list | tuple | dict):
        return json.dumps(v)
    if isinstance(v, bool):
        return "t" if v else "f"
    return str(v)


def summary_md(findings: Sequence[Finding], *, statements: int, rollback_statements: int, bundles: int,
               server: str, sidecars_md: str = "",
               counts: tuple[int, int, Sequence[tuple[str, str, str, str]]] | None = None,
               extra_md: str = "") -> str:
    errors = [f for f in findings if f.is_error]
    warnings = [f for f in findings if not f.is_error]
    verdict = "FAIL" if errors else "PASS"
    lines = ["## Preflight", "",
             f"Checked {statements} statement(s) in {bundles} bundle(s) and {rollback_statements} rollback "
             f"statement(s) against the live catalog ({server}), in a read-only transaction that was rolled back. "
             f"Nothing was executed.", "",
             f"**Preflight {verdict}**: {len(errors)} refusal(s) predicted, {len(warnings)} warning(s).", ""]
    if counts is not None:
        refused, predicted, unjudged = counts
        lines += [f"Statements (apply and rollback): {refused} refused, {predicted} predicted to succeed, "
                  f"{len(unjudged)} not predicted: preflight cannot judge every part of them, so the rehearsal "
                  "(pgwarden rehearse, and apply's rehearsal gate) covers them.", ""]
        if unjudged:
            shown = list(unjudged)[:30]
            lines += [md_table(["bundle", "where", "statement", "not predicted because"], shown)]
            if len(unjudged) > len(shown):
                lines.append(f"… and {len(unjudged) - len(shown)} more (run.json lists them all).")
            lines.append("")
    if findings:
        lines += [md_table(["bundle", "where", "rule", "SQLSTATE", "PostgreSQL would say"],
                           [(f.bundle or "", f.location, f.rule, f.sqlstate or "", f.message) for f in findings])]
    for f in [*errors, *(w for w in warnings if w.sqlstate)]:
        phase = f.facts.get("phase")
        title = f"Bundle {f.bundle}{' ' + str(phase) if phase else ''}, {f.location}: `{f.statement}`"
        if f.sqlstate is None:   # a lock-impact error: pgwarden's own judgement, not a server refusal
            lines += [f"### {title}", "", f"**{f.rule}**: {f.message}", ""]
            if f.fix:
                lines += [f"**Safer:** {f.fix}", ""]
            continue
        lines += [f"### {title}", "", "```", f"{'ERROR' if f.is_error else 'ERROR (likely)'}:  {f.message}"]
        if f.facts.get("detail"):
            lines.append(f"DETAIL:  {f.facts['detail']}")
        if f.hint:
            lines.append(f"HINT:  {f.hint}")
        lines += [f"SQLSTATE: {f.sqlstate}", "```", ""]
        table = _facts_table(dict(f.facts))
        if table:
            lines += ["Live object:", "", table]
        if f.fix:
            lines += [f"**Fix:** {f.fix}", ""]
        if f.facts.get("note"):
            lines += [f"_Note: {f.facts['note']}_", ""]
    if extra_md:
        lines += [extra_md.rstrip(), ""]
    if sidecars_md:
        lines += [sidecars_md.rstrip(), ""]
    return "\n".join(lines).rstrip() + "\n"
