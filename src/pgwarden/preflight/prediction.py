"""What preflight predicts for one statement: success, or the exact error PostgreSQL will raise."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pgwarden.rules import Rule


@dataclass(frozen=True)
class Prediction:
    ok: bool  # True: no refusal predicted
    sqlstate: str | None = None
    message: str | None = None  # PostgreSQL's primary message, exactly
    detail: str | None = None
    hint: str | None = None
    rule: Rule | None = None  # e.g. Rule.PREFLIGHT_REPLACE_DEFAULTS_REMOVED; set on every refusal
    index: int = 0  # statement position in the SQL given to predict()
    kind: str = ""  # statement kind, e.g. "CREATE OR REPLACE FUNCTION"
    target: str | None = None  # the object the statement acts on
    fix: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    exact: bool = True  # False: part of the check could not be evaluated
    note: str | None = None  # why a check was skipped or is uncertain
    modeled: bool = True  # False: preflight has no rule for this statement kind
    unjudged: str | None = None  # what of an OK statement preflight did not judge ("rehearsal covers it")

    @property
    def predicted(self) -> bool:
        """A refusal, or an OK that preflight judged in full; else "not predicted: rehearsal covers it"."""
        return not self.ok or (self.modeled and self.exact and self.unjudged is None)

    def with_index(self, index: int, kind: str) -> Prediction:
        return replace(self, index=index, kind=kind)


@dataclass(frozen=True)
class ServerError:
    """What the server said when a statement (or part of one) was analysed read-only."""

    sqlstate: str
    message: str
    detail: str | None
    hint: str | None


class Refusal(Exception):
    """Raised inside a check to stop at the first error, the way the server does."""

    def __init__(
        self,
        rule: Rule,
        sqlstate: str,
        message: str,
        *,
        detail: str | None = None,
        hint: str | None = None,
        fix: str | None = None,
        facts: Mapping[str, Any] | None = None,
        target: str | None = None,
        exact: bool = True,
    ) -> None:
        super().__init__(message)
        self.prediction = Prediction(
            False, sqlstate, message, detail, hint, rule, target=target, fix=fix, facts=dict(facts or {}), exact=exact
        )

    @classmethod
    def server(cls, rule: Rule, error: ServerError, fix: str) -> Refusal:
        """The server's own refusal, as it said it."""
        return cls(rule, error.sqlstate, error.message, detail=error.detail, hint=error.hint, fix=fix)


OK = Prediction(True)


def ok(
    *,
    target: str | None = None,
    note: str | None = None,
    exact: bool = True,
    modeled: bool = True,
    unjudged: str | None = None,
) -> Prediction:
    return Prediction(True, target=target, note=note, exact=exact, modeled=modeled, unjudged=unjudged)
