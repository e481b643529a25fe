"""``[[waiver]]``: a finding of ``rule`` in ``bundle`` is shown as WAIVED with the waiver's reason, not as an error.

For historical migrations that break today's policy and cannot be edited (an imported ``DROP TABLE``). A
waiver names one bundle and one rule (or a family: ``policy`` waives ``policy.forbid``), a name the rule registry
(:mod:`pgwarden.rules`) knows, or the package is bad input when it loads; it never hides a finding of another
bundle. A waiver that matches nothing is a warning, so stale waivers do not pile up.
Lint waives its own rules; preflight (``preflight.*``) waives its own, against the live catalog.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

from pgwarden.findings import Finding, Severity
from pgwarden.package.manifest import MANIFEST, Package, Waiver
from pgwarden.rules import Rule


def _matches(w: Waiver, f: Finding) -> bool:
    return f.bundle == w.bundle and (f.rule == w.rule or f.rule.startswith(w.rule + "."))


def _family(rule: str) -> str:
    return "preflight" if rule.startswith("preflight") else "lint"


def _line_of(pkg: Package, index: int) -> int:
    """The line of the ``index``-th (0-based) ``[[waiver]]`` header in the manifest (1 when not found)."""
    try:
        lines = pkg.manifest_text.splitlines()
    except OSError:
        return 1
    heads = [i + 1 for i, line in enumerate(lines) if line.strip().replace(" ", "") == "[[waiver]]"]
    return heads[index] if index < len(heads) else 1


def waive(pkg: Package, findings: Sequence[Finding], family: Literal["lint", "preflight"]) -> list[Finding]:
    """``findings`` with the waived ones marked WAIVED, plus a warning per unused waiver of ``family``."""
    if not pkg.waivers:
        return list(findings)
    used: set[int] = set()
    out = []
    for f in findings:
        hit = next((i for i, w in enumerate(pkg.waivers) if _matches(w, f)), None)
        if hit is not None and f.severity in (Severity.ERROR, Severity.WARNING):
            used.add(hit)
            w = pkg.waivers[hit]
            out.append(
                replace(
                    f,
                    severity=Severity.WAIVED,
                    message=f"{f.message} [WAIVED: {w.reason}]",
                    facts={**f.facts, "waived": w.reason, "was": str(f.severity)},
                )
            )
        else:
            out.append(f)
    for i, w in enumerate(pkg.waivers):
        if i not in used and _family(w.rule) == family:
            out.append(
                Finding(
                    Rule.WAIVER_UNUSED,
                    w.bundle,
                    MANIFEST,
                    _line_of(pkg, i),
                    1,
                    "[[waiver]]",
                    f"the waiver of {w.rule} for bundle {w.bundle} matches no finding",
                    Severity.WARNING,
                    fix="remove the waiver, or correct its bundle or rule",
                )
            )
    return out
