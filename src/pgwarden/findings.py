"""A finding: one thing ``check`` (lint or preflight) says about a package, with its exact location."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pgwarden.rules import Rule, Severity

__all__ = ["Finding", "Severity"]  # Severity is defined in rules (each rule has a default one), shown here


@dataclass(frozen=True)
class Finding:
    rule: Rule  # e.g. Rule.POLICY_FORBID_CALLS; a StrEnum, serialised as its id "policy.forbid_calls"
    bundle: str | None  # bundle id, or None for package-level findings
    file: str  # path relative to the package root
    line: int
    col: int
    statement: str  # the statement's first line
    message: str  # why, in one sentence (for preflight: PostgreSQL's exact error message)
    severity: Severity = Severity.ERROR
    sqlstate: str | None = None
    hint: str | None = None  # PostgreSQL's HINT, when preflight predicts an error
    fix: str | None = None  # a concrete fix
    facts: Mapping[str, Any] = field(default_factory=dict)  # live-object facts (preflight)

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"
