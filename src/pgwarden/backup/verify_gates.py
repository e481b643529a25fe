"""The typed details that ``pgwarden verify-backup`` records for its own gates (run.json ``gates[].details``).
The other gates record the values of the modules that ran them: :class:`pgwarden.backup.pin.PinCheck`,
:class:`pgwarden.backup.restore.RestoreRun`, :class:`pgwarden.backup.fidelity.Fidelity`, …"""

from __future__ import annotations

from dataclasses import dataclass

from pgwarden.backup.verify_inputs import ServerCheck
from pgwarden.backup.verify_result import Completeness
from pgwarden.expect.model import ExpectationResult


# -- typed details of each gate ---------------------------------------------------------------------
@dataclass(frozen=True)
class ArchiveGate:
    format: str
    archive_version: str
    dumped_from: str
    dumped_by: str
    toc_entries: int
    server: str


@dataclass(frozen=True)
class SchemaGate:
    restrict_lines_stripped: int
    statements: int
    unparsed: tuple[str, ...]
    roles_referenced: tuple[str, ...]


@dataclass(frozen=True)
class DistinctGate:
    system_identifier: str
    forbidden: dict[str, str]
    tcp_listening: bool
    server: str


@dataclass(frozen=True)
class RolesGate:
    created: tuple[str, ...]
    not_created: dict[str, str]


@dataclass(frozen=True)
class ExpectationsGate:
    checks: int
    failed: tuple[ExpectationResult, ...]
    completeness: Completeness | None
    user_sql_role: str | None  # counts and values ran as this role: LOGIN, pg_read_all_data, not superuser


@dataclass(frozen=True)
class ProtectedGate:
    servers: tuple[ServerCheck, ...]
