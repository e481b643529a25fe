"""Foundation commands: identity, evidence verify, gc."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pgwarden import evidence, runtime
from pgwarden.cli.base import dsn_option, json_option, main, run
from pgwarden.kit import KitVerification
from pgwarden.redact import redact_dsn

if TYPE_CHECKING:  # identity needs the database driver: imported when the command runs
    from pgwarden.identity import IdentityReport


@main.command("identity")
@dsn_option
@click.option("--target", "target_file", type=click.Path(path_type=Path), default=None,
              help="A TOML file (e.g. pgwarden.toml) whose [target] table the server must match.")
@json_option
def identity_cmd(dsn: str | None, target_file: Path | None, as_json: bool) -> None:
    """Show the server's identity; with --target, check it against a [target] guard."""

    def render(r: IdentityReport) -> str:
        lines = [f"server:            {redact_dsn(dsn) or '(PG* environment)'}"]
        lines += [f"{k + ':':<19}{v}" for k, v in r.identity.as_dict().items()]
        if r.target:
            lines.append("identity guard:    " + ("PASS" if r.ok else "FAIL"))
            lines += [f"  {m.field}: expected {m.expected}, actual {m.actual}" for m in r.mismatches]
        return "\n".join(lines)

    from pgwarden import identity as identity_mod

    run(lambda: identity_mod.identity(dsn, target_file), as_json=as_json, render=render,
        exit_code=lambda r: 0 if r.ok else 1)


@main.group("evidence")
def evidence_group() -> None:
    """Evidence kits."""


@evidence_group.command("verify")
@click.argument("kit_dir", type=click.Path(path_type=Path))
@json_option
def evidence_verify_cmd(kit_dir: Path, as_json: bool) -> None:
    """Re-check a kit's SHA256SUMS, event chain and seal. Exit 1 names each changed file."""

    def render(r: KitVerification) -> str:
        if r.ok:
            return f"kit OK: {r.files_checked} files, {r.events} chained events ({r.path})"
        return "kit FAILED verification:\n" + "\n".join(f"  {p.file}: {p.problem}" for p in r.problems)

    run(lambda: evidence.verify(kit_dir), as_json=as_json, render=render, exit_code=lambda r: 0 if r.ok else 1)


@main.command("gc")
@click.option("--all", "include_live", is_flag=True, help="Also remove instances of running pgwarden processes.")
@json_option
def gc_cmd(include_live: bool, as_json: bool) -> None:
    """Remove throwaway instances that a crashed run left behind."""

    def render(r: runtime.GcResult) -> str:
        lines = [f"removed {d}" for d in r.removed] + [f"kept (owner running) {d}" for d in r.kept]
        return "\n".join(lines) or "nothing to remove"

    run(lambda: runtime.gc(include_live=include_live), as_json=as_json, render=render)


@main.command("binaries")
@click.option("--major", type=int, default=None, help="Select binaries for this server major (exit 3 if none).")
@json_option
def binaries_cmd(major: int | None, as_json: bool) -> None:
    """Show the PostgreSQL binaries found, in search order."""
    from pgwarden.binaries import BinariesReport, binaries

    def render(r: BinariesReport) -> str:
        lines = [f"{b.describe()}: {', '.join(sorted(b.tools))}" for b in r.found] or ["no binaries found"]
        if r.selected is not None:
            lines.append(f"selected for major {major}: {r.selected.describe()}")
        return "\n".join(lines)

    run(lambda: binaries(major), as_json=as_json, render=render)
