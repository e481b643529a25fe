"""The identity guard: who a server is, and whether it is the ``[target]`` a package names.

Plain values only (no database driver): the manifest validates its ``[target]`` keys against
:data:`GUARD_KEYS` without importing psycopg.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from pgwarden.errors import BadInput, GateFailed


@dataclass(frozen=True)
class ServerIdentity:
    server_version: str
    server_major: int
    database: str
    role: str
    superuser: bool
    system_identifier: str
    data_checksums: bool
    encoding: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


GUARD_KEYS = ("database", "server_major", "role", "superuser", "system_identifier", "data_checksums", "server_version")


@dataclass(frozen=True)
class GuardMismatch:
    field: str
    expected: str
    actual: str


def compare_guard(ident: ServerIdentity, guard: Mapping[str, Any]) -> list[GuardMismatch]:
    """Each guard key that is given must match the live server."""
    out: list[GuardMismatch] = []
    live = ident.as_dict()
    for key, expected in guard.items():
        if key not in GUARD_KEYS:
            raise BadInput(f"[target]: unknown key {key!r}; expected one of {', '.join(GUARD_KEYS)}")
        actual = live[key]
        if isinstance(actual, bool):
            same = isinstance(expected, bool) and expected == actual
        else:
            same = str(expected) == str(actual)
        if not same:
            out.append(GuardMismatch(key, str(expected), str(actual)))
    return out


@dataclass(frozen=True)
class IdentityGate:
    """The identity gate's details, whichever command ran it: the package's ``[target]`` and the server."""

    target: dict[str, Any]  # the guard ({} when the package has none)
    server: dict[str, Any]  # the live server's identity


def identity_gate(ident: ServerIdentity, guard: Mapping[str, Any]) -> IdentityGate:
    """The gate's details; then :func:`check_guard` says whether they match."""
    return IdentityGate(dict(guard), ident.as_dict())


def check_guard(ident: ServerIdentity, guard: Mapping[str, Any]) -> None:
    """Raise :class:`GateFailed` listing every differing field, expected against actual."""
    mismatches = compare_guard(ident, guard)
    if mismatches:
        raise GateFailed(
            "identity guard failed: the live server is not the [target]",
            details=[f"{m.field}: expected {m.expected}, actual {m.actual}" for m in mismatches],
        )
