"""``pgwarden gc``: throwaway instances a crashed run left behind."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from pgwarden.cli.base import json_option, main, run
from pgwarden.textsafe import lines as text_lines

if TYPE_CHECKING:
    from pgwarden.instances.gc import GcResult


@main.command("gc")
@click.option("--all", "include_live", is_flag=True, help="Also remove instances of running pgwarden processes.")
@json_option
def gc_cmd(include_live: bool, as_json: bool) -> None:
    """Remove throwaway instances that a crashed run left behind."""
    from pgwarden.instances.gc import gc

    def render(r: GcResult) -> str:
        lines = (
            [f"removed {d}" for d in r.removed]
            + [f"kept (owner running) {d}" for d in r.kept]
            + [f"skipped (not a directory pgwarden made) {s}" for s in r.skipped]
        )
        return text_lines(lines) or "nothing to remove"

    run(lambda: gc(include_live=include_live), as_json=as_json, render=render)
