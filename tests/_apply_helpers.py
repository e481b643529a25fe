"""Helpers for the apply tests: write a package, run apply (to its end in this process, or as a real process
to signal or hold), hold it at a point from the server side (a statement waiting on an advisory lock the test
holds), and read what the target says."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from pgwarden.package.lock import lock
from pgwarden.probe.fingerprint import Fingerprint, diff_fingerprints
from pgwarden.probe.probe import fingerprint_dsn


@dataclass(frozen=True)
class B:
    """One bundle of a test package."""

    id: str
    apply: str
    rollback: str | None = None  # None: rollback = "none"
    transaction: bool = True


def write_package(
    root: Path,
    bundles: list[B],
    *,
    name: str = "t",
    settings: dict[str, str] | None = None,
    probes: str = "",
    verify: str = "",
    extra: str = "",
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    toml = [f'[package]\nname = "{name}"\n']
    if settings:
        toml.append("[settings]\n" + "".join(f'{k} = "{v}"\n' for k, v in settings.items()))
    toml.append(extra)
    for b in bundles:
        (root / f"{b.id}.sql").write_text(b.apply)
        if b.rollback is not None:
            (root / f"{b.id}.rollback.sql").write_text(b.rollback)
            rb = f'rollback = "{b.id}.rollback.sql"\n'
        else:
            rb = 'rollback = "none"\nreason = "test: forward only"\n'
        tx = "" if b.transaction else "transaction = false\n"
        toml.append(f'[[bundle]]\nid = "{b.id}"\ntitle = "bundle {b.id}"\napply = "{b.id}.sql"\n{rb}{tx}\n')
    toml.append(probes)
    if verify:
        toml.append(f"[verify]\n{verify}\n")
    (root / "pgwarden.toml").write_text("".join(toml))
    lock(root)
    return root


def apply_argv(pkg: Path, dsn: str, out: Path, *more: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pgwarden",
        "apply",
        str(pkg),
        "--dsn",
        dsn,
        "--out",
        str(out),
        "--no-rehearse",
        *more,
    ]


def run_apply(
    pkg: Path, dsn: str, out: Path, *more: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``pgwarden apply`` to its end, through the tests' ``run_cli`` (in this process)."""
    from tests.conftest import run_cli

    return run_cli("apply", str(pkg), "--dsn", dsn, "--out", str(out), "--no-rehearse", *more, env=env, timeout=timeout)


def start_apply(pkg: Path, dsn: str, out: Path, *more: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        apply_argv(pkg, dsn, out, *more),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def wait_for(cond: Any, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} not reached within {timeout} s")


def waiting_on(dsn: str, needle: str) -> bool:
    """Some pgwarden session is waiting on a lock in a statement containing ``needle``."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'pgwarden%%' "
            "AND wait_event_type = 'Lock' AND query LIKE %s",
            (f"%{needle}%",),
        ).fetchone()
    return bool(row and row[0])


def pgwarden_backends(dsn: str) -> list[str]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE 'pgwarden%' "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
    return [str(r[0]) for r in rows]


def exists(dsn: str, regclass: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (regclass,)).fetchone()
    return bool(row and row[0])


def ledger_states(dsn: str, package: str = "t") -> dict[str, str]:
    """The current state of each bundle of ``package`` in the ledger ({} when there is none)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        if not conn.execute("SELECT to_regclass('pgwarden.bundle_attempt') IS NOT NULL").fetchone()[0]:  # type: ignore[index]
            return {}
        rows = conn.execute(
            "SELECT DISTINCT ON (bundle) bundle, state FROM pgwarden.bundle_attempt "
            "WHERE package = %s ORDER BY bundle, id DESC",
            (package,),
        ).fetchall()
    return {str(b): str(s) for b, s in rows}


class Holder:
    """A session holding advisory locks that bundle statements wait on."""

    def __init__(self, dsn: str, *keys: int) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True)
        for k in keys:
            self.conn.execute("SELECT pg_advisory_lock(%s)", (k,))

    def release(self) -> None:
        if not self.conn.closed:
            self.conn.close()


def target_state(dsn: str) -> Fingerprint:
    """The target's fingerprint with exact row counts, without pgwarden's own ledger."""
    return fingerprint_dsn(dsn, rows="exact").without_schema("pgwarden")


def unchanged(before: Fingerprint, dsn: str) -> bool:
    """Whether the target still equals ``before`` (the difference is printed when it does not)."""
    d = diff_fingerprints(before, target_state(dsn))
    if not d.identical:
        print("target changed:\n" + "\n".join(d.lines()))
    return d.identical
