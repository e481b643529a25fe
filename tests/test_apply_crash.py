"""Killing ``pgwarden apply`` (SIGKILL, SIGTERM) at every point where a process can die, held there from the
server side: each bundle and its ledger row are both there or both absent, ``status`` tells the truth, no
backend is left behind, and a second apply continues (or refuses, for an in_doubt bundle) and completes."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import psycopg
import pytest

from tests._apply_helpers import (
    B,
    Holder,
    exists,
    ledger_states,
    pgwarden_backends,
    start_apply,
    wait_for,
    waiting_on,
    write_package,
)
from tests.conftest import envelope, result_of, run_cli

SIGNALS = [signal.SIGKILL, signal.SIGTERM]


def _package(tmp: Path, point: str) -> Path:
    """One package per point; each holds only at its own advisory lock key."""
    if point == "backup":
        return write_package(tmp / "p", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    if point == "rollback":
        return write_package(
            tmp / "p",
            [
                B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;"),
                B("B", "CREATE TABLE public.b (id int);", "SELECT pg_advisory_xact_lock(9005);\nDROP TABLE public.b;"),
                B(
                    "C",
                    "CREATE TABLE public.c AS SELECT 1 / (SELECT count(*) FROM public.go)::int AS x;",
                    "DROP TABLE public.c;",
                ),
            ],
        )
    if point == "non-atomic":
        return write_package(
            tmp / "p",
            [
                B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;"),
                B(
                    "N",
                    "CREATE INDEX CONCURRENTLY n_idx ON public.go (id);",
                    "DROP INDEX CONCURRENTLY public.n_idx;",
                    transaction=False,
                ),
            ],
            settings={"lock_timeout": "60s"},
        )
    return write_package(
        tmp / "p",
        [
            B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;"),
            B("B", "CREATE TABLE public.b (id int);\nSELECT pg_advisory_xact_lock(9002);", "DROP TABLE public.b;"),
            B("C", "SELECT pg_advisory_xact_lock(9004);\nCREATE TABLE public.c (id int);", "DROP TABLE public.c;"),
        ],
    )


def _hold(dsn: str, point: str) -> tuple[Holder | psycopg.Connection, str]:
    """Hold the run at ``point``; returns the holder and what the waiting statement contains."""
    if point == "backup":
        conn = psycopg.connect(dsn)
        conn.execute("LOCK TABLE public.go IN ACCESS EXCLUSIVE MODE")  # pg_dump waits for ACCESS SHARE
        return conn, "LOCK TABLE"
    if point == "non-atomic":
        conn = psycopg.connect(dsn)
        conn.execute("LOCK TABLE public.go IN SHARE MODE")  # CREATE INDEX CONCURRENTLY waits behind it
        return conn, "CREATE INDEX CONCURRENTLY"
    key = {"in-bundle": 9002, "at-ledger-row": 9002, "after-commit": 9004, "rollback": 9005}[point]
    return Holder(dsn, key), f"pg_advisory_xact_lock({key})"


# What each bundle's marker and ledger row must be after the kill at each point.
EXPECTED = {
    "backup": {},
    "in-bundle": {"A": "applied"},
    "at-ledger-row": {"A": "applied"},  # B's statements ran, its ledger row waits: both absent
    "after-commit": {"A": "applied", "B": "applied"},
    "rollback": {"A": "applied", "B": "applied"},  # B's rollback transaction died with the process
    "non-atomic": {"A": "applied", "N": "in_doubt"},
}


@pytest.mark.parametrize("sig", SIGNALS, ids=["SIGKILL", "SIGTERM"])
@pytest.mark.parametrize("point", list(EXPECTED))
def test_killed_apply_leaves_bundles_and_ledger_consistent(
    fresh_db: str, tmp_path: Path, point: str, sig: signal.Signals
) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.go (id int)")
    pkg = _package(tmp_path, point)
    holder, needle = _hold(fresh_db, point)
    env = {"PGWARDEN_LOCK_TIMEOUT": "60s"}
    child = start_apply(pkg, fresh_db, tmp_path / "k1", env=env)
    table_lock: psycopg.Connection | None = None
    try:
        wait_for(lambda: waiting_on(fresh_db, needle) or child.poll() is not None, what=f"apply held at {point}")
        assert child.poll() is None, child.stderr.read() if child.stderr else ""
        if point == "at-ledger-row":  # B's statements are done: let it reach its ledger row, and hold it there
            table_lock = psycopg.connect(fresh_db)
            table_lock.execute("LOCK TABLE pgwarden.bundle_attempt IN SHARE MODE")
            assert isinstance(holder, Holder)
            holder.release()
            wait_for(
                lambda: waiting_on(fresh_db, "INSERT INTO pgwarden.bundle_attempt") or child.poll() is not None,
                what="apply held at B's ledger row",
            )
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
        child.send_signal(sig)
        code = child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
        if isinstance(holder, Holder):
            holder.release()
        else:
            holder.close()
        if table_lock is not None:
            table_lock.close()
    assert code == (-signal.SIGKILL if sig == signal.SIGKILL else 130), child.stderr.read() if child.stderr else ""
    if sig == signal.SIGTERM:
        assert json.loads((tmp_path / "k1" / "run.json").read_text())["status"] == "INTERRUPTED"
    # No pgwarden backend is left, even one that was waiting on a lock.
    wait_for(lambda: pgwarden_backends(fresh_db) == [], timeout=20, what="no pgwarden backend left")
    # Each bundle and its ledger row: both there or both absent.
    states = ledger_states(fresh_db)
    assert states == EXPECTED[point], states
    for bundle in ("a", "b", "c"):
        present = exists(fresh_db, f"public.{bundle}")
        assert present == (states.get(bundle.upper()) == "applied"), (bundle, states)
    # status tells the same truth.
    s = run_cli("status", "--dsn", fresh_db, "--json")
    assert s.returncode == 0
    told = {b["bundle"]: b["state"] for p in result_of(s)["packages"] for b in p["bundles"]}
    assert told == states
    # A second apply continues (or refuses an in_doubt bundle until it is resolved), then completes.
    if point == "non-atomic":
        r = run_cli("apply", str(pkg), "--dsn", fresh_db, "--out", str(tmp_path / "k2"), "--no-rehearse", "--json")
        assert r.returncode == 1 and "in_doubt" in envelope(r)["error"]["message"], r.stderr
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            conn.execute("DROP INDEX IF EXISTS public.n_idx")  # the operator looks, and finds it not applied
        r = run_cli("resolve", str(pkg), "N", "--absent", "--dsn", fresh_db, "--out", str(tmp_path / "kr"))
        assert r.returncode == 0, r.stderr
    if point == "rollback":
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            conn.execute("INSERT INTO public.go VALUES (1)")  # what made C fail is fixed
    r = run_cli("apply", str(pkg), "--dsn", fresh_db, "--out", str(tmp_path / "k3"), "--no-rehearse", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    done = [b["outcome"] for b in result_of(r)["bundles"]]
    assert "failed" not in done and "not reached" not in done
    assert set(ledger_states(fresh_db).values()) == {"applied"}


def test_terminated_backend_mid_bundle_is_consistent_and_resumable(fresh_db: str, tmp_path: Path) -> None:
    pkg = _package(tmp_path, "in-bundle")
    holder = Holder(fresh_db, 9002)
    child = start_apply(pkg, fresh_db, tmp_path / "k1")
    try:
        wait_for(lambda: waiting_on(fresh_db, "pg_advisory_xact_lock(9002)"), what="apply held in bundle B")
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name LIKE 'pgwarden apply%' AND wait_event_type = 'Lock'"
            )
        code = child.wait(timeout=60)
    finally:
        holder.release()
    err = child.stderr.read() if child.stderr else ""
    assert code == 3 and "connection to the target was lost during bundle B" in err, err
    assert ledger_states(fresh_db) == {"A": "applied"} and not exists(fresh_db, "public.b")
    r = run_cli("apply", str(pkg), "--dsn", fresh_db, "--out", str(tmp_path / "k2"), "--no-rehearse")
    assert r.returncode == 0, r.stderr
    assert ledger_states(fresh_db) == dict.fromkeys("ABC", "applied")


def test_resolve_refuses_what_is_not_in_doubt(fresh_db: str, tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "p", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    assert run_cli("apply", str(pkg), "--dsn", fresh_db, "--out", str(tmp_path / "k"), "--no-rehearse").returncode == 0
    r = run_cli("resolve", str(pkg), "A", "--applied", "--dsn", fresh_db, "--out", str(tmp_path / "kr"))
    assert r.returncode == 2 and "is applied, not in_doubt" in r.stderr
    r = run_cli("resolve", str(pkg), "Z", "--applied", "--dsn", fresh_db, "--out", str(tmp_path / "kr2"))
    assert r.returncode == 2 and "no bundle 'Z'" in r.stderr
    r = run_cli("resolve", str(pkg), "A", "--dsn", fresh_db)
    assert r.returncode == 2 and "give --applied or --absent" in r.stderr
