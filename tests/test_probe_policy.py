"""Rollback-only probes and verify scripts follow the package's policy; what a probe leaves behind is named; and
``[verify]``'s user SQL is checked for VOLATILE calls once the objects the package creates exist."""

from __future__ import annotations

import json
from pathlib import Path

from tests._apply_helpers import B, apply_argv, write_package
from tests.conftest import run_cli

NO_BACKUP = ("--no-backup", "--i-have-a-backup", "0" * 64)
SERIAL = B("A", "CREATE TABLE public.t (id serial PRIMARY KEY, v int NOT NULL);\n", "DROP TABLE public.t;\n")


def test_a_probe_names_the_sequences_it_advanced(fresh_db: str, tmp_path: Path) -> None:
    probes = """
[[probe]]
name = "v is required"
after = "A"
sql = "INSERT INTO public.t (v) VALUES (NULL)"
expect_error = "23502"

[[probe]]
name = "reads only"
after = "A"
sql = "SELECT count(*) FROM public.t"
expect_rows = 1
"""
    pkg = write_package(tmp_path / "p", [SERIAL], probes=probes)
    rh = run_cli("rehearse", str(pkg), "--dsn", fresh_db, "--out", str(tmp_path / "r"))
    assert rh.returncode == 0, rh.stdout + rh.stderr
    notes = [
        s["note"]
        for g in json.loads((tmp_path / "r" / "run.json").read_text())["gates"]
        for s in (g.get("details") or {}).get("steps", [])
        if s.get("step") == "probe"
    ]
    assert any("v is required" in n and "advanced sequence public.t_id_seq" in n for n in notes), notes
    r = run_cli(*apply_argv(pkg, fresh_db, tmp_path / "k", *NO_BACKUP)[3:])
    assert r.returncode == 0, r.stdout + r.stderr
    summary = (tmp_path / "k" / "SUMMARY.md").read_text()
    line = next(x for x in summary.splitlines() if "`v is required`" in x)
    assert "it advanced sequence public.t_id_seq (now 1), which a rollback does not undo" in line, line
    assert "advanced" not in next(x for x in summary.splitlines() if "`reads only`" in x)


def test_probes_and_verify_scripts_may_not_call_what_the_policy_forbids(tmp_path: Path) -> None:
    pkg = write_package(
        tmp_path / "p",
        [SERIAL],
        extra='[policy]\nforbid_calls = ["public.purge_all"]\n',
        probes='\n[[probe]]\nname = "purge refuses"\nafter = "A"\nsql = "SELECT public.purge_all()"\n'
        'expect_error = "P0001"\n',
    )
    (pkg / "verify").mkdir()
    (pkg / "verify" / "A.sql").write_text("SELECT public.purge_all();\n")
    toml = (
        (pkg / "pgwarden.toml")
        .read_text()
        .replace('rollback = "A.rollback.sql"\n', 'rollback = "A.rollback.sql"\nverify = "verify/A.sql"\n', 1)
    )
    (pkg / "pgwarden.toml").write_text(toml)
    assert run_cli("lock", str(pkg)).returncode == 0
    r = run_cli("check", str(pkg), "--format", "gcc", "--no-kit")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "verify/A.sql:1:8: error: policy.forbid_calls [bundle A]" in r.stdout, r.stdout
    assert "pgwarden.toml:" in r.stdout and "probe" in r.stdout.lower()
    assert r.stdout.count("policy.forbid_calls") == 2, r.stdout


def test_verify_is_checked_again_once_the_package_objects_exist(fresh_db: str, tmp_path: Path) -> None:
    """A view the package creates must not hide a VOLATILE call from [verify]: it did not exist when apply began."""
    verify = '[[verify.value]]\nname = "x"\nsql = "SELECT x::text FROM public.v"\nequals = "true"\n'
    pkg = write_package(
        tmp_path / "p",
        [B("A", "CREATE VIEW public.v AS SELECT pg_catalog.pg_reload_conf() AS x;\n", "DROP VIEW public.v;\n")],
        verify=verify,
    )
    r = run_cli(*apply_argv(pkg, fresh_db, tmp_path / "k", *NO_BACKUP)[3:])
    assert r.returncode == 1, r.stdout + r.stderr
    run = json.loads((tmp_path / "k" / "run.json").read_text())
    gate = next(g for g in run["gates"] if g["name"] == "verify")
    assert (
        gate["status"] == "FAIL" and "can call pg_reload_conf() through public.v, which is VOLATILE" in gate["reason"]
    ), gate
    rh = run_cli("rehearse", str(pkg), "--dsn", fresh_db, "--out", str(tmp_path / "r"))
    assert rh.returncode == 1 and "[verify] not run" in (tmp_path / "r" / "SUMMARY.md").read_text()
