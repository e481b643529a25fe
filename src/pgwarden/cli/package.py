"""Change package commands: lock, init."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pgwarden.cli.base import json_option, main, package_argument, passed, run
from pgwarden.textsafe import lines

if TYPE_CHECKING:  # the commands import their libraries when they run: start-up stays light
    from pgwarden.package.init import InitResult
    from pgwarden.package.lock import LockCheckResult, LockResult


@main.command("lock")
@package_argument
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing: exit 1 when pgwarden.sum is stale, naming each file that differs; 0 when current.",
)
@json_option
def lock_cmd(package: Path, check_only: bool, as_json: bool) -> None:
    """Write PACKAGE/pgwarden.sum (sha256sum -c compatible) over the manifest and every file it names.

    With --check nothing is written: exit 1 names each file whose pin would change (for CI and pre-commit).
    """

    def render_lock(r: LockResult) -> str:  # file names come from the manifest: one visible line each
        pins = [f"{e.sha256}  {e.path}" for e in r.entries]
        note = f"; changed since the previous lock: {', '.join(r.changed)}" if r.changed else ""
        return lines([*pins, f"wrote {r.sum_file} ({len(r.entries)} files{note})"])

    def render_lock_check(r: LockCheckResult) -> str:
        if r.current:
            return lines([f"{r.sum_file}: current ({len(r.entries)} files pinned)"])
        return lines(
            [
                f"{r.sum_file}: stale: {', '.join(dict.fromkeys(d.path for d in r.differ))}",
                *(f"  {d.path}: {d.why}" for d in r.differ),
                f"review the package, then run `pgwarden lock {package}`",
            ]
        )

    from pgwarden.package.lock import check_lock, lock

    if check_only:
        run(lambda: check_lock(package), as_json=as_json, render=render_lock_check, exit_code=passed)
    run(lambda: lock(package), as_json=as_json, render=render_lock)


@main.command("init")
@click.argument("name")
@json_option
def init_cmd(name: str, as_json: bool) -> None:
    """Scaffold a change package NAME (a new directory) that passes `pgwarden check`."""

    def render_init(r: InitResult) -> str:
        return lines(
            [
                f"created package {r.package} in {r.path}: {', '.join(r.files)}",
                f"next: edit, review, `pgwarden lock {r.path}`, `pgwarden check {r.path}`",
            ]
        )

    from pgwarden.package.init import init

    run(lambda: init(name), as_json=as_json, render=render_init)


# -- how a check result reads: pgwarden.cli.formats, and what the CLI does beside printing ------
