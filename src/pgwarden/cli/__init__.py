"""The command line: parse, call a library function, format. Nothing else lives here."""

from __future__ import annotations

from pgwarden.cli import backup, core, package, preflight, probe  # noqa: F401  (each registers commands)
from pgwarden.cli.base import main

__all__ = ["main"]
