"""``pgwarden probe`` / ``pgwarden diff`` as a user runs them: exit codes, output, files, the kit."""

from __future__ import annotations

import json
from pathlib import Path

from pgwarden.evidence.verify import verify_kit
from tests._probe_helpers import build_schema, execute
from tests.conftest import result_of


def test_probe_twice_is_identical_and_a_function_body_change_is_named(fresh_db: str, cli, tmp_path: Path) -> None:
    build_schema(fresh_db)
    a, b, c = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    for out in (a, b):
        r = cli("probe", "--dsn", fresh_db, "--fingerprint", str(out), "--no-kit")
        assert r.returncode == 0, r.stderr
        assert f"fingerprint: {out} (" in r.stdout
    r = cli("diff", str(a), str(b))
    assert (r.returncode, r.stdout.strip()) == (0, "identical"), r.stderr
    execute(
        fresh_db,
        "CREATE OR REPLACE FUNCTION app.trg() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN NEW.name := upper(NEW.name); RETURN NEW; END $$",
    )
    assert cli("probe", "--dsn", fresh_db, "--fingerprint", str(c), "--no-kit").returncode == 0
    r = cli("diff", str(a), str(c))
    assert r.returncode == 1, r.stderr
    assert r.stdout.splitlines() == [
        "~ function app.trg(): definition line 4: 'AS $function$ BEGIN RETURN NEW; END $function$' -> "
        "'AS $function$ BEGIN NEW.name := upper(NEW.name); RETURN N...'"
    ]
    r = cli("diff", str(a), str(c), "--json")
    assert r.returncode == 1
    data = result_of(r)
    assert data["identical"] is False and not data["added"] and not data["removed"]
    assert [(x["kind"], x["name"]) for x in data["changed"]] == [("function", "app.trg()")]


def test_probe_writes_a_verifiable_kit(fresh_db: str, cli, tmp_path: Path) -> None:
    build_schema(fresh_db)
    kit, out = tmp_path / "kit", tmp_path / "fp.json"
    r = cli(
        "probe",
        "--dsn",
        fresh_db,
        "--out",
        str(kit),
        "--fingerprint",
        str(out),
        "--rows",
        "exact",
        "--json",
        "--query",
        "names=SELECT string_agg(name::text, ',' ORDER BY id) FROM app.t",
    )
    assert r.returncode == 0, r.stderr
    result = result_of(r)
    assert result["kit"] == str(kit) and result["fingerprint"] == str(out) and result["rows_total"] == 6
    assert result["counts"]["function"] == 6 and result["rows_mode"] == "exact"
    assert {p.name for p in kit.iterdir()} == {
        "run.json",
        "report.json",
        "SUMMARY.md",
        "report.html",
        "events.jsonl",
        "SHA256SUMS",
        "probes",
    }
    assert (kit / "probes" / "probe.json").read_bytes() == out.read_bytes()
    assert verify_kit(kit).ok
    run = json.loads((kit / "run.json").read_text())
    assert run["status"] == "PASS" and run["command"] == "probe"
    assert [g["name"] for g in run["gates"]] == ["probe"] and run["gates"][0]["status"] == "PASS"
    summary = (kit / "SUMMARY.md").read_text()
    assert "| function | 6 |" in summary and "| server_major |" in summary and "| names | a,b |" in summary
    assert json.loads(out.read_text())["queries"] == {"names": "a,b"}
    # default: the fingerprint lives in the kit; the kit goes under ./pgwarden-runs/
    r = cli("probe", "--dsn", fresh_db, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    [made] = list((tmp_path / "pgwarden-runs").iterdir())
    assert made.name.endswith("-probe") and verify_kit(made).ok
    assert f"fingerprint: {made / 'probes' / 'probe.json'}" in r.stdout
    r = cli("diff", str(out), str(made / "probes" / "probe.json"))
    assert r.returncode == 0, r.stdout + r.stderr  # rows exact vs none: not compared, only noted
    assert "note: row counts not compared: rows mode exact vs none" in r.stdout


def test_bad_fingerprint_files_exit_2_naming_the_file(tmp_path: Path, cli) -> None:
    missing = tmp_path / "missing.json"
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{nope")
    r = cli("diff", str(missing), str(garbage))
    assert r.returncode == 2
    assert r.stderr.strip() == f"pgwarden: bad-input: {missing}: fingerprint file not found"
    r = cli("diff", str(garbage), str(garbage))
    assert r.returncode == 2 and r.stderr.startswith(f"pgwarden: bad-input: {garbage}: invalid JSON")
    assert r.stdout == ""
    deep, binary = tmp_path / "deep.json", tmp_path / "binary.json"
    deep.write_text("[" * 100000 + "]" * 100000)  # json.loads recurses: this used to be a traceback (exit 70)
    binary.write_bytes(b"\x8f\xff" * 100)
    for bad, message in (
        (deep, "invalid JSON: nested too deeply for a fingerprint"),
        (binary, "not a fingerprint file (not UTF-8 text)"),
    ):
        r = cli("diff", str(bad), str(bad))
        assert r.returncode == 2 and r.stderr.strip() == f"pgwarden: bad-input: {bad}: {message}", r.stderr


def test_bad_probe_input_exit_2_and_touches_nothing(fresh_db: str, tmp_path: Path, cli) -> None:
    r = cli("probe", "--dsn", fresh_db, "--no-kit", cwd=tmp_path)
    assert r.returncode == 2 and "--no-kit needs --fingerprint FILE" in r.stderr
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep").write_text("x")
    r = cli("probe", "--dsn", fresh_db, "--out", str(busy))
    assert r.returncode == 2 and f"--out {busy}: directory exists and is not empty" in r.stderr
    assert [p.name for p in busy.iterdir()] == ["keep"]
    r = cli("probe", "--dsn", fresh_db, "--rows", "all", "--no-kit", "--fingerprint", str(tmp_path / "x.json"))
    assert r.returncode == 2 and "'all' is not one of 'exact', 'estimate', 'none'" in r.stderr
    r = cli(
        "probe", "--dsn", fresh_db, "--no-kit", "--fingerprint", str(tmp_path / "x.json"), "--query", "n=DELETE FROM t"
    )
    assert r.returncode == 2 and r.stderr.strip() == (
        "pgwarden: bad-input: named query 'n': must be a SELECT, found DELETE"
    )
    r = cli("probe", "--dsn", fresh_db, "--no-kit", "--fingerprint", str(tmp_path / "x.json"), "--query", "SELECT 1")
    assert r.returncode == 2 and "--query 'SELECT 1': expected NAME=SQL" in r.stderr
    # --fingerprint under a file: refused before connecting; it used to probe, then leave an unsealed kit behind
    r = cli("probe", "--dsn", fresh_db, "--fingerprint", str(busy / "keep" / "fp.json"), cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.strip() == (
        f"pgwarden: bad-input: --fingerprint {busy / 'keep' / 'fp.json'}: cannot write the fingerprint there: "
        f"{busy / 'keep'} is not a directory"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy"]


def test_wrong_dsn_exit_3_one_line(tmp_path: Path, cli) -> None:
    out = tmp_path / "fp.json"
    r = cli(
        "probe",
        "--dsn",
        f"host={tmp_path} port=1 dbname=nope password=hunter2",
        "--fingerprint",
        str(out),
        cwd=tmp_path,
    )
    assert r.returncode == 3
    [line] = r.stderr.strip().splitlines()[-1:]
    assert line.startswith("pgwarden: environment: cannot connect to ") and "hunter2" not in r.stderr
    assert len([x for x in r.stderr.splitlines() if x.startswith("pgwarden:")]) == 1
    assert "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []  # no fingerprint, no kit
