"""Change package commands: check, lock, init."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pgwarden.cli.base import dsn_option, json_option, main, out_option, run

if TYPE_CHECKING:  # the commands import their libraries when they run: start-up stays light
    from pgwarden.lock import LockResult
    from pgwarden.scaffold import InitResult


@main.command("check")
@click.argument("package", type=click.Path(path_type=Path))
@dsn_option
@out_option
@json_option
def check_cmd(package: Path, dsn: str | None, out: str | None, as_json: bool) -> None:
    """Check PACKAGE: pinned hashes, the manifest, and every statement against the policy.

    Without --dsn nothing connects. With --dsn the identity guard and the live preflight run too,
    in read-only transactions. Exit 0 PASS, 1 FAIL (findings), 2 bad input (manifest, SQL syntax,
    drift from pgwarden.sum), 3 environment.
    """
    from pgwarden.check import check
    from pgwarden.checkreport import render

    run(lambda: check(package, dsn=dsn, out=Path(out) if out else None), as_json=as_json,
        render=render, exit_code=lambda r: 0 if r.verdict == "PASS" else 1)


@main.command("lock")
@click.argument("package", type=click.Path(path_type=Path))
@json_option
def lock_cmd(package: Path, as_json: bool) -> None:
    """Write PACKAGE/pgwarden.sum (sha256sum -c compatible) over the manifest and every file it names."""

    def render_lock(r: LockResult) -> str:
        lines = [f"{e.sha256}  {e.path}" for e in r.entries]
        note = f"; changed since the previous lock: {', '.join(r.changed)}" if r.changed else ""
        return "\n".join([*lines, f"wrote {r.sum_file} ({len(r.entries)} files{note})"])

    from pgwarden.lock import lock

    run(lambda: lock(package), as_json=as_json, render=render_lock)


@main.command("init")
@click.argument("name")
@json_option
def init_cmd(name: str, as_json: bool) -> None:
    """Scaffold a change package NAME (a new directory) that passes `pgwarden check`."""

    def render_init(r: InitResult) -> str:
        return f"created package {r.package} in {r.path}: {', '.join(r.files)}\nnext: edit, review, " \
               f"`pgwarden lock {r.path}`, `pgwarden check {r.path}`"

    from pgwarden.scaffold import init

    run(lambda: init(name), as_json=as_json, render=render_init)


__all__ = ["check_cmd", "init_cmd", "lock_cmd"]
