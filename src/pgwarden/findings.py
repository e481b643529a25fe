"""A finding: one thing ``check`` (lint or preflight) says about a package, with its exact location."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"        # fails the check
    WARNING = "warning"    # reported only
    NOTE = "note"          # worth knowing, never a problem
    WAIVED = "waived"      # an error or warning a [[waiver]] of the package accepts, with its reason


@dataclass(frozen=True)
class Finding:
    rule: str                 # rule id, e.g. "policy.forbid_calls" or "preflight.replace.defaults_removed"
    bundle: str | None        # bundle id, or None for package-level findings
    file: str                 # path relative to the package root
    line: int
    col: int
    statement: str            # the statement's first line
    message: str              # why, in one sentence (for preflight: PostgreSQL's exact error message)
    severity: Severity = Severity.ERROR
    sqlstate: str | None = None
    hint: str | None = None   # PostgreSQL's HINT, when preflight predicts an error
    fix: str | None = None    # a concrete fix
    facts: Mapping[str, Any] = field(default_factory=dict)  # live-object facts (preflight)

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"
