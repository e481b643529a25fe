"""One difference between two fingerprints, as a value: made by :mod:`pgwarden.probe.fingerprint`, recorded in
gate details, and rendered by the report (:class:`pgwarden.evidence.blocks.Diff`) without being parsed back.

It lives here, outside both rooms, because the probe room records evidence and the evidence room renders it:
neither may import the other's module for it. :mod:`pgwarden.probe.fingerprint` re-exports both names.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ChangeSign(StrEnum):
    ADDED = "+"
    REMOVED = "-"
    CHANGED = "~"


@dataclass(frozen=True)
class ObjectChange:
    """One difference between two fingerprints, structured from where it is made to where it is rendered:
    an object added, removed or changed (``why``: what changed), or a table's row count or a query's result
    (``kind`` "rows" / "query", ``before``/``after`` their values)."""

    sign: ChangeSign
    kind: str
    name: str
    why: str = ""
    before: str | None = None
    after: str | None = None

    @property
    def line(self) -> str:
        """``+``/``-``/``~ kind name[: why]``: the one-line form of probes/diff.txt."""
        return f"{self.sign.value} {self.kind} {self.name}" + (f": {self.why}" if self.why else "")
