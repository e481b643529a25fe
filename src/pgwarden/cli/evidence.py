"""``pgwarden evidence verify``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pgwarden.cli.base import json_option, main, run

if TYPE_CHECKING:
    from pgwarden.evidence.verify import KitVerification


@main.group("evidence")
def evidence_group() -> None:
    """Evidence kits."""


@evidence_group.command("verify")
@click.argument("kit_dir", type=click.Path(path_type=Path))
@json_option
def evidence_verify_cmd(kit_dir: Path, as_json: bool) -> None:
    """Re-check a kit's SHA256SUMS, event chain and seal. Exit 1 names each changed file."""
    from pgwarden.evidence.verify import verify_kit

    def render(r: KitVerification) -> str:
        if r.ok:
            return f"kit OK: {r.files_checked} files, {r.events} chained events ({r.path})"
        return "kit FAILED verification:\n" + "\n".join(f"  {p.file}: {p.problem}" for p in r.problems)

    run(lambda: verify_kit(kit_dir), as_json=as_json, render=render, exit_code=lambda r: 0 if r.ok else 1)
