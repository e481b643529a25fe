"""What every ``pgwarden check --format`` shares (:mod:`pgwarden.cli.formats`, :mod:`pgwarden.cli.sarif`,
:mod:`pgwarden.cli.github`): paths relative to the current directory, someone else's text made one visible
line, every string redacted, a finding's message lines, and the places an error names."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pgwarden.redact import redact_text
from pgwarden.textsafe import one_line

if TYPE_CHECKING:
    from pgwarden.check.results import CheckResult
    from pgwarden.errors import PgwardenError
    from pgwarden.findings import Finding


# -- paths ------------------------------------------------------------------------------------------
def relative_to(path: Path | str, base: Path) -> str:
    """``path`` relative to ``base`` (``..`` where it must), with ``/`` separators."""
    return Path(os.path.relpath(Path(path), base)).as_posix()


def finding_path(r: CheckResult, f: Finding, cwd: Path) -> str:
    """Where ``f`` is, relative to ``cwd`` (``f.file`` is relative to the package root)."""
    return relative_to(Path(r.root) / f.file, cwd)


def kit_path(r: CheckResult, cwd: Path) -> str | None:
    """The kit directory relative to ``cwd`` when it lies under it (the default ./pgwarden-runs/…), else as is."""
    if not r.kit:
        return None
    kit = Path(r.kit).absolute()
    return kit.relative_to(cwd.absolute()).as_posix() if kit.is_relative_to(cwd.absolute()) else str(kit)


# -- someone else's text ----------------------------------------------------------------------------
def visible(x: object) -> str:
    """One field of someone else's text, for one line of output: redacted, then made visible."""
    return one_line(redact_text(str(x)))


def redacted(value: Any) -> Any:
    """Every string inside ``value`` redacted, before it is serialized (never the JSON text itself)."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {str(k): redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redacted(v) for v in value]
    return value


def message_lines(f: Finding) -> list[str]:
    """What a reader is shown of ``f``: its message, SQLSTATE, HINT and fix, each made one visible line."""
    parts = [f.message or f.rule]
    if f.sqlstate:
        parts.append(f"SQLSTATE {f.sqlstate}")
    if f.hint:
        parts.append(f"HINT: {f.hint}")
    if f.fix:
        parts.append(f"Fix: {f.fix}")
    return [visible(p) for p in parts]


# -- errors (exit 2, 3): what SARIF and GitHub still show ---------------------------------------------
@dataclass(frozen=True)
class ErrorPlace:
    file: Path  # absolute
    line: int
    col: int
    text: str


def error_places(err: PgwardenError, package_dir: Path) -> list[ErrorPlace]:
    """Each place the error names (its ``places``, set where the error was made), located."""
    out = []
    for p in err.places:
        file = Path(p.file)
        out.append(
            ErrorPlace(
                file if file.is_absolute() else (package_dir / file).absolute(), p.line, p.col, p.text or err.message
            )
        )
    return out
