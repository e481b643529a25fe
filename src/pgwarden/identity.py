"""``pgwarden identity``: who is this server, and is it the ``[target]`` we expect?"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgwarden.conn import GuardMismatch, ServerIdentity, compare_guard, identity_of
from pgwarden.errors import BadInput
from pgwarden.tomlfile import read_toml


@dataclass(frozen=True)
class IdentityReport:
    identity: ServerIdentity
    target: dict[str, Any]
    mismatches: tuple[GuardMismatch, ...]

    @property
    def ok(self) -> bool:
        return not self.mismatches


def load_target(path: Path) -> dict[str, Any]:
    """The ``[target]`` table of a manifest (or any TOML file that has one)."""
    data = read_toml(path, "target file")
    target = data.get("target")
    if not isinstance(target, dict):
        raise BadInput(f"{path}: no [target] table")
    return dict(target)


def identity(dsn: str | None, target_file: Path | None = None) -> IdentityReport:
    target = load_target(target_file) if target_file else {}
    ident = identity_of(dsn)
    return IdentityReport(ident, target, tuple(compare_guard(ident, target)))
