"""The command line: parse, call a library function, format. Nothing else lives here.

One module per area registers its commands on :data:`pgwarden.cli.base.main`.
"""

from __future__ import annotations

from pgwarden.cli import backup, demo, evidence, instances, package, pg, probe  # noqa: F401  (register commands)
from pgwarden.cli.base import main

__all__ = ["main"]
