"""What a tool's migration directory holds, read in the tool's own order."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Tool(StrEnum):
    SQITCH = "sqitch"
    FLYWAY = "flyway"
    GOLANG_MIGRATE = "golang-migrate"
    POPX = "popx"


TOOLS = tuple(t.value for t in Tool)  # as the command line names them


@dataclass(frozen=True)
class Migration:
    """One migration as its tool sees it."""

    key: str  # the tool's identifier: a Sqitch change, a Flyway/golang-migrate/popx version
    name: str  # a human name (description, change name)
    up: str  # the deploy SQL, as written
    up_file: str  # its path, relative to the imported directory
    down: str | None = None  # the revert / down SQL (None: the tool has none)
    down_file: str | None = None
    verify: str | None = None  # Sqitch verify script
    verify_file: str | None = None
    autocommit: bool = False  # the tool runs it outside a transaction (popx .autocommit.)
    requires: tuple[str, ...] = ()  # Sqitch dependencies
    note: str = ""


@dataclass(frozen=True)
class Source:
    """A whole directory, read."""

    tool: Tool
    project: str
    migrations: tuple[Migration, ...]
    variables: dict[str, str] = field(default_factory=dict)  # known values (sqitch.conf, flyway.conf)
    decisions: tuple[str, ...] = ()  # what the reader decided (ordering, skipped files), for IMPORT.md
