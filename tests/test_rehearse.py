"""``pgwarden rehearse``: one package per failure class, each with its passing near-miss, on 15 and 18; the
full reverse chain; the target only read; interrupts leave no instance behind; apply's gate 6."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from pgwarden.instances.runtime import runtime_root
from tests._apply_helpers import B, Holder, ledger_states, target_state, unchanged, wait_for, write_package
from tests.conftest import result_of, run_cli


def _rehearse(pkg: Path, dsn: str, out: Path, *more: str):
    return run_cli("rehearse", str(pkg), "--dsn", dsn, "--out", str(out), "--json", *more)


T = "CREATE TABLE public.t (id int PRIMARY KEY, v text);"

# (failure class, broken package, near-miss package, what the finding must say)
CASES = {
    "rollback leaves an object behind": (
        [
            B(
                "A",
                T + "\nCREATE FUNCTION public.f(x int) RETURNS int LANGUAGE sql AS $$ SELECT x $$;",
                "DROP TABLE public.t;",
            )
        ],
        [
            B(
                "A",
                T + "\nCREATE FUNCTION public.f(x int) RETURNS int LANGUAGE sql AS $$ SELECT x $$;",
                "DROP FUNCTION public.f(int);\nDROP TABLE public.t;",
            )
        ],
        ("A", "rollback", "A.rollback.sql leaves function public.f(integer) behind"),
    ),
    "rollback drops too much": (
        [B("A", "ALTER TABLE public.base ADD COLUMN note text;", "DROP TABLE public.base CASCADE;")],
        [B("A", "ALTER TABLE public.base ADD COLUMN note text;", "ALTER TABLE public.base DROP COLUMN note;")],
        ("A", "rollback", "table public.base, which existed before bundle A"),
    ),
    "shifted rollback": (
        [B("A", T, "DROP TABLE public.u;"), B("B", "CREATE TABLE public.u (id int);", "DROP TABLE public.t;")],
        [B("A", T, "DROP TABLE public.t;"), B("B", "CREATE TABLE public.u (id int);", "DROP TABLE public.u;")],
        ("A", "rollback", "it looks like the rollback of bundle B"),
    ),
    "not re-runnable after its rollback": (
        [B("A", T + "\nCREATE SEQUENCE public.s;", "DROP TABLE public.t;\nALTER SEQUENCE public.s RESTART;")],
        [B("A", T + "\nCREATE SEQUENCE public.s;", "DROP TABLE public.t;\nDROP SEQUENCE public.s;")],
        ("A", "rollback", "leaves sequence public.s behind"),
    ),
    "rollback fails": (
        [
            B(
                "A",
                T + "\nCREATE VIEW public.tv AS SELECT id FROM public.t;",
                "DROP TABLE public.t;\nDROP VIEW public.tv;",
            )
        ],
        [
            B(
                "A",
                T + "\nCREATE VIEW public.tv AS SELECT id FROM public.t;",
                "DROP VIEW public.tv;\nDROP TABLE public.t;",
            )
        ],
        ("A", "rollback", "cannot drop table t because other objects depend on it (view tv depends on table t)"),
    ),
}


@pytest.fixture
def base_db(fresh_db: str) -> str:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.base (id int PRIMARY KEY); INSERT INTO public.base VALUES (1), (1 + 1)")
    return fresh_db


@pytest.mark.parametrize("case", list(CASES))
def test_each_failure_class_is_found_and_its_near_miss_passes(base_db: str, tmp_path: Path, case: str) -> None:
    broken, near, (bundle, step, needle) = CASES[case]
    before = target_state(base_db)
    r = _rehearse(write_package(tmp_path / "broken", broken), base_db, tmp_path / "k1")
    assert r.returncode == 1, r.stderr
    findings = result_of(r)["findings"]
    hit = [f for f in findings if f["bundle"] == bundle and f["step"] == step and needle in f["message"]]
    assert hit, json.dumps(findings, indent=1)
    ok = _rehearse(write_package(tmp_path / "near", near), base_db, tmp_path / "k2")
    assert ok.returncode == 0, json.dumps(result_of(ok).get("findings"), indent=1) + ok.stderr
    res = result_of(ok)
    assert res["findings"] == [] and res["rehearsed"] == [b.id for b in near]
    assert any(s["step"] == "full reverse" and s["status"] == "PASS" for s in res["steps"])
    assert unchanged(before, base_db) and ledger_states(base_db) == {}  # the target was only read


def test_a_bundle_not_rerunnable_after_its_rollback(base_db: str, tmp_path: Path) -> None:
    """The rollback restores the catalog, but the bundle's INSERT meets the row the rollback left."""
    broken = [
        B(
            "A",
            "INSERT INTO public.base VALUES (10);\nCREATE INDEX base_id ON public.base (id);",
            "DROP INDEX public.base_id;",
        )
    ]
    near = [
        B(
            "A",
            "INSERT INTO public.base VALUES (10);\nCREATE INDEX base_id ON public.base (id);",
            "DROP INDEX public.base_id;\nDELETE FROM public.base WHERE id = 10;",
        )
    ]
    r = _rehearse(write_package(tmp_path / "b", broken), base_db, tmp_path / "k1", "--data")
    assert r.returncode == 1
    (f,) = [f for f in result_of(r)["findings"] if f["step"] == "re-apply"]
    assert "A.sql is not re-runnable after its rollback" in f["message"] and "duplicate key" in f["message"]
    assert _rehearse(write_package(tmp_path / "n", near), base_db, tmp_path / "k2", "--data").returncode == 0


def test_every_broken_bundle_is_reported_not_only_the_first(base_db: str, tmp_path: Path) -> None:
    pkg = write_package(
        tmp_path / "p",
        [
            B("A", "CREATE TABLE public.a (id int);", "SELECT 1;"),  # leaves a behind
            B("B", "CREATE TABLE public.b (id int);", "DROP TABLE public.b;"),  # fine
            B("C", "CREATE TABLE public.c (id int);", "DROP TABLE public.no_such;"),  # fails
            B("D", "CREATE TABLE public.d (id int);", "DROP TABLE public.d;"),
        ],
    )  # fine
    r = _rehearse(pkg, base_db, tmp_path / "k")
    res = result_of(r)
    assert r.returncode == 1 and res["rehearsed"] == ["A", "B", "C", "D"]
    broken = {(f["bundle"], f["step"]) for f in res["findings"]}
    assert ("A", "rollback") in broken and ("C", "rollback") in broken and not {x for x in broken if x[0] in "BD"}
    assert "| B | ✅" in (tmp_path / "k" / "SUMMARY.md").read_text()


def test_probe_that_expects_an_error_and_gets_rows(base_db: str, tmp_path: Path) -> None:
    trigger = (
        "CREATE FUNCTION public.no_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'immutable'; END $$;\n"
    )
    probe = (
        '[[probe]]\nname = "rejects update"\nafter = "A"\nsql = "UPDATE public.base SET id = id"\n'
        'expect_error = "P0001"\n\n'
    )
    broken = [B("A", trigger, "DROP FUNCTION public.no_update();")]
    near = [
        B(
            "A",
            trigger + "CREATE TRIGGER t BEFORE UPDATE ON public.base FOR EACH ROW EXECUTE FUNCTION public.no_update();",
            "DROP TRIGGER t ON public.base;\nDROP FUNCTION public.no_update();",
        )
    ]
    r = _rehearse(write_package(tmp_path / "b", broken, probes=probe), base_db, tmp_path / "k1", "--data")
    assert r.returncode == 1
    (f,) = result_of(r)["findings"]
    assert f["step"] == "probe" and "expects error P0001, gets 2 row(s)" in f["message"]
    assert (
        _rehearse(write_package(tmp_path / "n", near, probes=probe), base_db, tmp_path / "k2", "--data").returncode == 0
    )


def test_a_data_dependent_failure_shows_only_with_data(base_db: str, tmp_path: Path) -> None:
    with psycopg.connect(base_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.dup (v int); INSERT INTO public.dup VALUES (1), (1)")
    pkg = write_package(
        tmp_path / "p", [B("A", "CREATE UNIQUE INDEX dup_v ON public.dup (v);", "DROP INDEX public.dup_v;")]
    )
    assert _rehearse(pkg, base_db, tmp_path / "k1").returncode == 0  # schema only: the rows are not there
    r = _rehearse(pkg, base_db, tmp_path / "k2", "--data")
    assert r.returncode == 1
    (f,) = result_of(r)["findings"]
    assert f["step"] == "apply" and "could not create unique index" in f["message"] and "23505" in f["message"]


def test_from_backup_checks_the_pin_first(base_db: str, tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "p", [B("A", T, "DROP TABLE public.t;")])
    b = run_cli("backup", "--dsn", base_db, "--out", str(tmp_path / "b"), "--json")
    dump = Path(result_of(b)["dump_path"])
    r = _rehearse(pkg, base_db, tmp_path / "k1", "--from-backup", str(dump))
    assert r.returncode == 0, r.stderr
    assert result_of(r)["clone"]["kind"] == "backup" and result_of(r)["clone"]["dump_sha256"]
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    r = _rehearse(pkg, base_db, tmp_path / "k2", "--from-backup", str(dump))
    assert r.returncode == 2 and "the pin does not check out" in r.stderr


def test_already_applied_bundles_are_the_starting_state(base_db: str, tmp_path: Path) -> None:
    pkg = write_package(
        tmp_path / "p",
        [
            B("A", "CREATE TABLE public.a (id int);", "DROP TABLE public.a;"),
            B("B", "CREATE TABLE public.b (id int);", "DROP TABLE public.b;"),
        ],
    )
    holder = Holder(base_db, 7001)
    (pkg / "B.sql").write_text("SELECT pg_advisory_xact_lock(7001);\nCREATE TABLE public.b (id int);")
    from pgwarden.package.lock import lock

    lock(pkg)
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pgwarden",
            "apply",
            str(pkg),
            "--dsn",
            base_db,
            "--no-rehearse",
            "--out",
            str(tmp_path / "ka"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: ledger_states(base_db) == {"A": "applied"})
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)
    finally:
        holder.release()
    r = _rehearse(pkg, base_db, tmp_path / "k")
    assert r.returncode == 0, r.stderr
    res = result_of(r)
    assert res["already_applied"] == ["A"] and res["rehearsed"] == ["B"]


def test_lint_errors_do_not_stop_the_rehearsal(base_db: str, tmp_path: Path) -> None:
    pkg = write_package(
        tmp_path / "p",
        [B("A", "CREATE TABLE public.a (id int);\nDROP TABLE public.base;", "SELECT 1;")],
        extra='[policy]\nforbid = ["DROP TABLE"]\n\n',
    )
    r = _rehearse(pkg, base_db, tmp_path / "k")
    assert r.returncode == 1
    res = result_of(r)
    assert any(f["rule"] == "policy.forbid" for f in res["lint"]) and res["rehearsed"] == ["A"]
    assert any("drops table public.base" not in f["message"] for f in res["findings"])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_interrupted_rehearsal_leaves_no_instance_and_the_target_untouched(
    base_db: str, tmp_path: Path, sig: signal.Signals
) -> None:
    holder = Holder(base_db, 7002)
    with psycopg.connect(base_db, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION public.hold() RETURNS void LANGUAGE sql AS $$ SELECT NULL $$")
    pkg = write_package(
        tmp_path / "p", [B("A", "CREATE TABLE public.a (id int);\nSELECT pg_sleep(60);", "DROP TABLE public.a;")]
    )
    before = target_state(base_db)
    insts = set(runtime_root().glob("inst-*"))
    child = subprocess.Popen(
        [sys.executable, "-m", "pgwarden", "rehearse", str(pkg), "--dsn", base_db, "--out", str(tmp_path / "k")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: len(set(runtime_root().glob("inst-*")) - insts) == 1, what="the clone")
        time.sleep(1.5)
        child.send_signal(sig)
        code = child.wait(timeout=60)
    finally:
        holder.release()
        if child.poll() is None:
            child.kill()
    assert code == (130 if sig == signal.SIGTERM else -signal.SIGKILL)
    if sig == signal.SIGKILL:
        assert run_cli("gc").returncode == 0
    wait_for(lambda: set(runtime_root().glob("inst-*")) - insts == set(), timeout=20, what="no instance left")
    assert unchanged(before, base_db)


def test_apply_runs_the_rehearsal_as_gate_6(base_db: str, tmp_path: Path) -> None:
    broken = write_package(tmp_path / "b", CASES["rollback leaves an object behind"][0])  # preflight cannot see it
    before = target_state(base_db)
    r = run_cli("apply", str(broken), "--dsn", base_db, "--out", str(tmp_path / "k1"), "--json")
    assert r.returncode == 1
    gates = {g["name"]: g["status"] for g in json.loads((tmp_path / "k1" / "run.json").read_text())["gates"]}
    assert gates["rehearsal"] == "FAIL" and gates["execute"] == "SKIPPED"
    assert "rehearsal: bundle A, rollback" in result_of(r)["reasons"][0]
    assert unchanged(before, base_db) and ledger_states(base_db) == {}
    good = write_package(tmp_path / "g", [B("A", T, "DROP TABLE public.t;")])
    for how in ("schema", "data"):
        r = run_cli(
            "apply",
            str(good),
            "--dsn",
            base_db,
            "--out",
            str(tmp_path / f"k-{how}"),
            "--rehearse",
            how,
            "--dry-run" if how == "schema" else "--json",
        )
        assert r.returncode == 0, r.stdout + r.stderr
        gates = {g["name"]: g["status"] for g in json.loads((tmp_path / f"k-{how}" / "run.json").read_text())["gates"]}
        assert gates["rehearsal"] == "PASS"
    assert ledger_states(base_db) == {"A": "applied"}
