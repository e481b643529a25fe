"""``pgwarden apply``: the seed-000 runs for real, resume, refusals, retries, probes, bad input and the ledger."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from importlib import resources
from pathlib import Path

import psycopg
import pytest

from pgwarden.evidence.verify import verify_kit
from pgwarden.package.lock import lock
from tests._apply_helpers import (
    B,
    Holder,
    exists,
    ledger_states,
    run_apply,
    start_apply,
    target_state,
    unchanged,
    wait_for,
    waiting_on,
    write_package,
)
from tests._backup_helpers import run_json
from tests.conftest import envelope, result_of, run_cli

SEED = resources.files("pgwarden.demo").joinpath("packages", "seed000")


def _apply(pkg: Path, dsn: str, out: Path, *more: str, env: dict[str, str] | None = None):
    return run_cli("apply", str(pkg), "--dsn", dsn, "--out", str(out), "--no-rehearse", "--json", *more, env=env)


def _gates(kit: Path) -> dict[str, str]:
    return {g["name"]: g["status"] for g in run_json(kit)["gates"]}


@pytest.fixture
def seed_db(fresh_db: str) -> str:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(SEED.joinpath("production.sql").read_text())
    return fresh_db


def _seed_package(dest: Path, *, fix_e: bool = False, unique_e: bool = False) -> Path:
    dest.mkdir(parents=True)
    for item in SEED.iterdir():
        if item.name.endswith((".sql", ".toml")) and item.name != "production.sql":
            (dest / item.name).write_bytes(item.read_bytes())
    toml = (dest / "pgwarden.toml").read_text()
    (dest / "pgwarden.toml").write_text(toml[: toml.index("[target]")] + toml[toml.index("[settings]") :])
    e = (dest / "E.sql").read_text()
    if fix_e or unique_e:
        e = e.replace("p_review_note text)\n", "p_review_note text DEFAULT NULL::text)\n", 1)
    if unique_e:  # data-dependent: every production row has state 'draft'; preflight cannot see that
        e += "\nCREATE UNIQUE INDEX information_unit_state_key ON public.information_unit (state);\n"
        (dest / "E.rollback.sql").write_text(
            (dest / "E.rollback.sql").read_text() + "\nDROP INDEX IF EXISTS public.information_unit_state_key;\n"
        )
    (dest / "E.sql").write_text(e)
    lock(dest)
    return dest


def test_seed_000_as_authored_is_refused_at_preflight(seed_db: str, tmp_path: Path) -> None:
    before = target_state(seed_db)
    r = _apply(_seed_package(tmp_path / "p"), seed_db, tmp_path / "k")
    assert r.returncode == 1, r.stderr
    res = result_of(r)
    assert res["verdict"] == "FAIL" and "cannot remove parameter defaults from existing function" in res["reasons"][0]
    gates = _gates(tmp_path / "k")
    assert gates["preflight"] == "FAIL" and gates["backup"] == "SKIPPED" and gates["execute"] == "SKIPPED"
    assert all(b["outcome"] == "not reached" for b in res["bundles"])
    assert unchanged(before, seed_db) and ledger_states(seed_db) == {}  # nothing executed, no ledger
    assert verify_kit(tmp_path / "k").ok


def test_seed_000_data_dependent_failure_rolls_back_a_to_d(seed_db: str, tmp_path: Path) -> None:
    before = target_state(seed_db)
    r = _apply(_seed_package(tmp_path / "p", unique_e=True), seed_db, tmp_path / "k")
    assert r.returncode == 1, r.stderr
    res = result_of(r)
    assert [b["outcome"] for b in res["bundles"]] == ["rolled back"] * 4 + ["failed"]
    assert res["rolled_back"] == ["D", "C", "B", "A"] and res["equals_probe_before"] is True
    f = res["failure"]
    assert f["sqlstate"] == "23505" and f["file"] == "E.sql" and f["line"] == 13 and "duplicated" in f["detail"]
    assert ledger_states(seed_db, "m3a-lifecycle") == dict.fromkeys("ABCD", "rolled_back")
    assert unchanged(before, seed_db)
    summary = (tmp_path / "k" / "SUMMARY.md").read_text()
    for needle in (
        "TXN-5: Bundle E",
        "Production equals probe-before: **YES**",
        "Key (state)=(draft) is duplicated",
        "SHA256",
        "Compression",
        "What was not included",
        "No call matching `public.fn_iu_enact(*, *, false)`",
    ):
        assert needle in summary, needle
    assert verify_kit(tmp_path / "k").ok


def test_seed_000_fixed_package_applies_and_status_shows_it(seed_db: str, tmp_path: Path) -> None:
    pkg = _seed_package(tmp_path / "p", fix_e=True)
    r = _apply(pkg, seed_db, tmp_path / "k")
    assert r.returncode == 0, r.stderr
    res = result_of(r)
    assert [b["outcome"] for b in res["bundles"]] == ["applied"] * 5
    assert all(c["ok"] for c in res["verify"]) and res["verify"]
    assert res["backup"]["sha256"] and Path(res["backup"]["dump"]).is_file()
    s = run_cli("status", "--dsn", seed_db, "--json")
    assert s.returncode == 0
    (p,) = result_of(s)["packages"]
    assert [(b["bundle"], b["state"]) for b in p["bundles"]] == [(x, "applied") for x in "ABCDE"]
    assert p["last_run"]["verdict"] == "PASS" and p["last_run"]["kit"] == str(tmp_path / "k")
    again = _apply(pkg, seed_db, tmp_path / "k2")
    assert again.returncode == 0 and result_of(again)["nothing_to_do"] is True
    assert _gates(tmp_path / "k2")["backup"] == "SKIPPED"


def test_status_without_a_ledger_says_so(fresh_db: str) -> None:
    r = run_cli("status", "--dsn", fresh_db)
    assert r.returncode == 0 and "no pgwarden ledger" in r.stdout


def test_dry_run_changes_nothing_and_prints_the_plan(fresh_db: str, tmp_path: Path) -> None:
    pkg = write_package(
        tmp_path / "p",
        [
            B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;"),
            B("B", "CREATE INDEX a_id ON public.a (id);", "DROP INDEX public.a_id;"),
        ],
    )
    before = target_state(fresh_db)
    r = _apply(pkg, fresh_db, tmp_path / "k", "--dry-run")
    assert r.returncode == 0, r.stderr
    res = result_of(r)
    plan = [(b["id"], b["to_run"], b["statements"]) for b in res["plan"]]
    assert res["dry_run"] and plan == [("A", True, 1), ("B", True, 1)]
    gates = _gates(tmp_path / "k")
    assert [gates[g] for g in ("identity", "integrity", "ledger", "preflight")] == ["PASS"] * 4
    assert gates["backup"] == "SKIPPED" and gates["execute"] == "SKIPPED"
    assert unchanged(before, fresh_db) and ledger_states(fresh_db) == {}
    text = run_cli("apply", str(pkg), "--dsn", fresh_db, "--dry-run", "--no-rehearse", "--out", str(tmp_path / "k2"))
    assert "TXN-1 A: to run: 1 statement(s) (1 CREATE TABLE)" in text.stdout


def test_no_backup_needs_the_operators_sha256(fresh_db: str, tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "p", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    r = _apply(pkg, fresh_db, tmp_path / "k", "--no-backup")
    assert r.returncode == 2 and "--no-backup needs --i-have-a-backup" in envelope(r)["error"]["message"]
    assert not (tmp_path / "k").exists() and not exists(fresh_db, "public.a")
    sha = "ab" * 32
    r = _apply(pkg, fresh_db, tmp_path / "k", "--no-backup", "--i-have-a-backup", sha)
    assert r.returncode == 0, r.stderr
    assert _gates(tmp_path / "k")["backup"] == "WAIVED" and _gates(tmp_path / "k")["rehearsal"] == "WAIVED"
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT backup_sha256 FROM pgwarden.bundle_attempt").fetchone() == (sha,)


def test_partly_applied_package_continues_with_the_next_bundle(fresh_db: str, tmp_path: Path) -> None:
    pkg = write_package(
        tmp_path / "p",
        [
            B("A", "CREATE TABLE public.go (id int);", "DROP TABLE public.go;"),
            B("B", "CREATE TABLE public.b (id int);", "DROP TABLE public.b;"),
            B(
                "C",
                "CREATE TABLE public.c AS SELECT 1 / (SELECT count(*) FROM public.go)::int AS x;",
                "DROP TABLE public.c;",
            ),
        ],
    )
    r = _apply(pkg, fresh_db, tmp_path / "k1", "--on-failure", "stop")
    assert r.returncode == 1 and result_of(r)["failure"]["sqlstate"] == "22012"
    assert ledger_states(fresh_db) == {"A": "applied", "B": "applied"}
    assert _gates(tmp_path / "k1")["rollback"] == "SKIPPED"
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("INSERT INTO public.go VALUES (1)")
    r = _apply(pkg, fresh_db, tmp_path / "k2")
    assert r.returncode == 0, r.stderr
    res = result_of(r)
    assert [b["outcome"] for b in res["bundles"]] == ["already applied", "already applied", "applied"]
    assert ledger_states(fresh_db) == dict.fromkeys("ABC", "applied")


def test_a_different_hash_of_an_applied_package_is_refused(fresh_db: str, tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "p", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    assert _apply(pkg, fresh_db, tmp_path / "k1").returncode == 0
    (pkg / "A.sql").write_text("CREATE TABLE public.a (id bigint);")
    lock(pkg)
    before = target_state(fresh_db)
    r = _apply(pkg, fresh_db, tmp_path / "k2")
    assert r.returncode == 2, r.stderr
    err = envelope(r)["error"]
    assert "recorded in the ledger with a different hash" in err["message"] and "bundle A: applied" in err["details"][0]
    assert unchanged(before, fresh_db)


def test_lock_timeout_retries_the_whole_bundle(fresh_db: str, tmp_path: Path) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.busy (id int)")
    bundle = B(
        "A",
        "CREATE TABLE public.a (id int);\nALTER TABLE public.busy ADD COLUMN x int;",
        "ALTER TABLE public.busy DROP COLUMN x;\nDROP TABLE public.a;",
    )
    pkg = write_package(tmp_path / "p", [bundle], settings={"lock_timeout": "300ms"})
    holder = psycopg.connect(fresh_db)
    holder.execute("LOCK TABLE public.busy IN ACCESS SHARE MODE")
    proc = start_apply(pkg, fresh_db, tmp_path / "k", "--json")
    try:  # held from the server side until the first attempt's transaction is seen to end (its lock timeout)
        seen: list[tuple[int, object]] = []

        def waiting() -> bool:
            seen[:] = _waiting_xacts(fresh_db, "ALTER TABLE public.busy")
            return bool(seen)

        wait_for(waiting, 300, "the bundle waiting on the lock")
        pid, xact = seen[0]
        # The lock is still held: only the 300 ms lock_timeout ends that transaction. Then the retry either sleeps
        # (its 1 s wait) or waits on the lock in a new transaction; released now, it gets the lock.
        wait_for(lambda: _xact_start(fresh_db, pid) != xact, 60, "the first attempt's lock timeout")
    finally:
        holder.rollback()
        holder.close()
    out, err = proc.communicate(timeout=600)
    r = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    assert r.returncode == 0, r.stderr
    (a,) = result_of(r)["bundles"]
    outcomes = [x["outcome"] for x in a["attempts"]]
    assert outcomes[0] == "lock timeout" and outcomes[-1] == "applied" and len(outcomes) >= 2
    assert a["attempts"][0]["error"]["sqlstate"] == "55P03"


def _waiting_xacts(dsn: str, needle: str) -> list[tuple[int, object]]:
    """(pid, xact_start) of each pgwarden session waiting on a lock in a statement containing ``needle``."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return [
            (int(p), x)
            for p, x in conn.execute(
                "SELECT pid, xact_start FROM pg_stat_activity WHERE application_name LIKE 'pgwarden%%' "
                "AND wait_event_type = 'Lock' AND query LIKE %s",
                (f"%{needle}%",),
            ).fetchall()
        ]


def _xact_start(dsn: str, pid: int) -> object:
    """When the transaction backend ``pid`` is in began (None: it is in none, or gone)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT xact_start FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    return row[0] if row else None


def test_rollback_only_probe_that_expects_an_error_and_gets_rows_fails_the_run(fresh_db: str, tmp_path: Path) -> None:
    before = target_state(fresh_db)
    probes = (
        '[[probe]]\nname = "cannot insert"\nafter = "A"\nsql = "INSERT INTO public.a VALUES (1)"\n'
        'expect_error = "P0001"\n\n'
    )
    pkg = write_package(
        tmp_path / "p", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")], probes=probes
    )
    r = _apply(pkg, fresh_db, tmp_path / "k")
    assert r.returncode == 1
    res = result_of(r)
    (a,) = res["bundles"]
    assert a["outcome"] == "rolled back" and a["probes"][0]["actual"] == "1 row(s)" and not a["probes"][0]["ok"]
    assert res["equals_probe_before"] is True and unchanged(before, fresh_db)


def test_non_transactional_bundle_applies_through_in_doubt(fresh_db: str, tmp_path: Path) -> None:
    pkg = write_package(
        tmp_path / "p",
        [
            B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;"),
            B(
                "I",
                "CREATE INDEX CONCURRENTLY a_id ON public.a (id);",
                "DROP INDEX CONCURRENTLY public.a_id;",
                transaction=False,
            ),
        ],
    )
    r = _apply(pkg, fresh_db, tmp_path / "k")
    assert r.returncode == 0, r.stderr
    assert ledger_states(fresh_db) == {"A": "applied", "I": "applied"} and exists(fresh_db, "public.a_id")


# -- bad input: a clear message, the right exit code, the target unchanged ----------------------------
def test_bad_packages_touch_nothing(fresh_db: str, tmp_path: Path) -> None:
    before = target_state(fresh_db)
    pkg = write_package(tmp_path / "p1", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    (pkg / "A.rollback.sql").unlink()
    r = _apply(pkg, fresh_db, tmp_path / "k1")
    assert r.returncode == 2 and "A.rollback.sql" in envelope(r)["error"]["message"] and "not found" in r.stderr
    pkg = write_package(tmp_path / "p2", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    (pkg / "A.sql").write_text("CREATE TABLE public.a (id int, sneaky int);")
    r = _apply(pkg, fresh_db, tmp_path / "k2")
    assert r.returncode == 2 and "changed since lock" in r.stderr
    # A rollback that would fail halfway: preflight sees its second statement fail, before anything runs.
    pkg = write_package(
        tmp_path / "p3",
        [B("A", "CREATE TABLE public.a (id int);", "ALTER TABLE public.a DROP COLUMN nope;\nDROP TABLE public.a;")],
    )
    r = _apply(pkg, fresh_db, tmp_path / "k3")
    assert r.returncode == 1 and 'column "nope" of relation "a" does not exist' in result_of(r)["reasons"][0]
    assert _gates(tmp_path / "k3")["execute"] == "SKIPPED"
    assert unchanged(before, fresh_db) and ledger_states(fresh_db) == {}


def test_a_do_body_syntax_error_found_only_at_execution(fresh_db: str, tmp_path: Path) -> None:
    before = target_state(fresh_db)
    pkg = write_package(
        tmp_path / "p",
        [
            B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;"),
            B("B", "DO $$ BEGIN EXECUTE 'CREATE TABL public.b (id int)'; END $$;", "SELECT 1;"),
        ],
    )
    r = _apply(pkg, fresh_db, tmp_path / "k")
    assert r.returncode == 1, r.stderr
    res = result_of(r)
    assert res["failure"]["sqlstate"] == "42601" and res["failure"]["file"] == "B.sql" and res["failure"]["context"]
    assert res["rolled_back"] == ["A"] and res["equals_probe_before"] is True and unchanged(before, fresh_db)


def test_a_rollback_that_fails_at_run_time_is_manual_repair(fresh_db: str, tmp_path: Path) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.keep (id int); INSERT INTO public.keep VALUES (1)")
    pkg = write_package(
        tmp_path / "p",
        [
            B(
                "A",
                "ALTER TABLE public.keep ADD COLUMN note text;",
                "UPDATE public.keep SET id = id / 0;\nALTER TABLE public.keep DROP COLUMN note;",
            ),
            B("B", "SELECT 1 / 0;", "SELECT 1;"),
        ],
    )
    r = _apply(pkg, fresh_db, tmp_path / "k")
    assert r.returncode == 1
    res = result_of(r)
    assert res["bundles"][0]["outcome"] == "rollback failed" and res["equals_probe_before"] is False
    assert res["manual_repair"][0].startswith("rollback of bundle A failed at A.rollback.sql:1:")
    assert any("public.keep.note" in x for x in res["manual_repair"])
    assert "**Manual repair required.**" in (tmp_path / "k" / "SUMMARY.md").read_text()
    assert ledger_states(fresh_db) == {"A": "applied"}  # the truth: A is still applied


def test_a_ledger_edited_by_hand_is_refused(fresh_db: str, tmp_path: Path) -> None:
    pkg = write_package(
        tmp_path / "p",
        [
            B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;"),
            B("B", "CREATE TABLE public.b (id int);", "DROP TABLE public.b;"),
        ],
    )
    assert _apply(pkg, fresh_db, tmp_path / "k1", "--on-failure", "stop").returncode == 0
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("UPDATE pgwarden.bundle_attempt SET state = 'rolled_back' WHERE bundle = 'B'")
    for argv in (
        ["apply", str(pkg), "--dsn", fresh_db, "--out", str(tmp_path / "k2"), "--no-rehearse"],
        ["status", "--dsn", fresh_db],
    ):
        r = run_cli(*argv)
        assert r.returncode == 2 and "the pgwarden ledger was edited by hand: row 2" in r.stderr, r.stderr


def test_a_newer_ledger_is_refused(fresh_db: str, tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "p", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    assert _apply(pkg, fresh_db, tmp_path / "k1").returncode == 0
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("INSERT INTO pgwarden.ledger_version (version, installed_by) VALUES (99, 'the future')")
    r = run_cli("status", "--dsn", fresh_db)
    assert r.returncode == 3 and "ledger is version 99, newer than this pgwarden" in r.stderr


def test_verify_may_not_call_volatile_functions(fresh_db: str, tmp_path: Path) -> None:
    verify = '[[verify.value]]\nname = "x"\nsql = "select pg_reload_conf()::text"\nequals = "true"\n'
    pkg = write_package(
        tmp_path / "p",
        [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")],
        extra=verify.replace("[[verify.value]]", "[[verify.value]]"),
    )
    r = _apply(pkg, fresh_db, tmp_path / "k")
    assert r.returncode == 2 and "pg_reload_conf() , which is VOLATILE".replace(" ,", ",") in r.stderr
    assert not exists(fresh_db, "public.a") and not (tmp_path / "k").exists()


def test_two_concurrent_applies_one_is_refused_at_once(fresh_db: str, tmp_path: Path) -> None:
    holder = Holder(fresh_db, 4242)
    pkg = write_package(
        tmp_path / "p",
        [B("A", "SELECT pg_advisory_xact_lock(4242);\nCREATE TABLE public.a (id int);", "DROP TABLE public.a;")],
    )
    first = start_apply(pkg, fresh_db, tmp_path / "k1")
    try:
        wait_for(lambda: waiting_on(fresh_db, "pg_advisory_xact_lock(4242)"), what="the first apply to wait")
        t0 = time.monotonic()
        second = _apply(pkg, fresh_db, tmp_path / "k2")
        assert time.monotonic() - t0 < 30
        assert second.returncode == 1
        why = envelope(second)["error"]["message"]
        assert "another pgwarden run holds this database's lock" in why and "pgwarden apply" in why and "pid" in why
    finally:
        holder.release()
    assert first.wait(timeout=60) == 0, first.stderr.read() if first.stderr else ""
    assert ledger_states(fresh_db) == {"A": "applied"}


def test_apply_kit_is_private_and_verifies(fresh_db: str, tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "p", [B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;")])
    r = _apply(pkg, fresh_db, tmp_path / "k")
    assert r.returncode == 0
    run = json.loads((tmp_path / "k" / "run.json").read_text())
    assert [g["name"] for g in run["gates"]] == [
        "identity",
        "integrity",
        "ledger",
        "preflight",
        "backup",
        "rehearsal",
        "sidecars",
        "probe-before",
        "execute",
        "rollback",
        "verify",
        "probe-after",
    ]
    assert verify_kit(tmp_path / "k").ok
    assert (tmp_path / "k").stat().st_mode & 0o077 == 0
    shutil.rmtree(tmp_path / "k")


def test_nothing_to_do_is_said_once_not_per_bundle(fresh_db: str, tmp_path: Path) -> None:
    """A re-apply of an applied package (a real project has hundreds of bundles) says so in one line."""
    bundles = [
        B(f"b{i}", f"CREATE TABLE public.again_{i} (id int);\n", f"DROP TABLE public.again_{i};\n") for i in range(5)
    ]
    pkg = write_package(tmp_path / "p", bundles)
    nb = ("--no-backup", "--i-have-a-backup", "0" * 64)
    assert run_apply(pkg, fresh_db, tmp_path / "k1", *nb).returncode == 0
    again = run_apply(pkg, fresh_db, tmp_path / "k2", *nb)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "nothing to do: 5 bundle(s) already applied with this package hash" in again.stdout
    assert "TXN-" not in again.stdout, again.stdout
