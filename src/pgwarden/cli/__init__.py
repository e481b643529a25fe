"""The command line: parse, call a library function, format. Nothing else lives here."""

from __future__ import annotations

from pgwarden.cli.base import main
from pgwarden.cli import core  # noqa: F401  (registers commands)

__all__ = ["main"]
