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
@click.option("--key", type=click.Path(path_type=Path), default=None, envvar="PGWARDEN_KIT_PUBLIC_KEY",
              show_envvar=True, help="SSH public key: also require a valid SHA256SUMS.sig by its holder.")
@json_option
def evidence_verify_cmd(kit_dir: Path, key: Path | None, as_json: bool) -> None:
    """Re-check a kit's SHA256SUMS, event chain and seal (and, with --key, its signature).

    Exit 1 names each changed file. Without a signature, this catches accidents and partial edits,
    not someone who rewrites the whole kit and every hash in it.
    """
    from pgwarden.evidence.verify import verify_kit

    def render(r: KitVerification) -> str:
        if r.ok:
            return f"kit OK: {r.files_checked} files, {r.events} chained events ({r.path}); signature: {r.signature}"
        return "kit FAILED verification:\n" + "\n".join(f"  {p.file}: {p.problem}" for p in r.problems)

    run(lambda: verify_kit(kit_dir, key), as_json=as_json, render=render, exit_code=lambda r: 0 if r.ok else 1)


@evidence_group.command("sign")
@click.argument("kit_dir", type=click.Path(path_type=Path))
@click.option("--key", type=click.Path(path_type=Path), required=True, envvar="PGWARDEN_KIT_KEY",
              show_envvar=True, help="SSH private key (or a public key whose private half ssh-agent holds).")
@json_option
def evidence_sign_cmd(kit_dir: Path, key: Path, as_json: bool) -> None:
    """Sign a kit: ssh-keygen -Y sign over its SHA256SUMS, written to SHA256SUMS.sig."""
    from pgwarden.evidence.sign import sign_kit

    run(lambda: sign_kit(kit_dir, key), as_json=as_json, render=lambda r: f"signed {r.kit}: {r.signature}")
