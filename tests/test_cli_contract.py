"""One CLI contract: every command prints one JSON envelope with ``--json`` for every exit code it has
(0 PASS, 1 FAIL, 2 bad input, 3 environment), with a one-line message on stderr for errors; ``-V`` is the
version and ``-h`` is not an alias of ``--help`` (psql users read it as host)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from pgwarden.package.lock import lock
from tests._package_helpers import CASES_DIR
from tests.conftest import envelope, run_cli, run_cli_subprocess

Case = Callable[[Path, str], list[str]]  # (tmp_path, dsn) -> argv


def _package(tmp: Path, case: str = "forbid_near_miss") -> str:
    dest = tmp / "pkg"
    shutil.copytree(CASES_DIR / case, dest, ignore=shutil.ignore_patterns("expected.toml"))
    lock(dest)
    return str(dest)


def _backup(tmp: Path, dsn: str) -> str:
    r = run_cli("backup", "--dsn", dsn, "--out", str(tmp / "b"), "--json")
    assert r.returncode == 0, r.stderr
    return str(envelope(r)["result"]["dump_path"])


def _fingerprint(tmp: Path, dsn: str, name: str) -> str:
    path = tmp / name
    assert run_cli("probe", "--dsn", dsn, "--fingerprint", str(path), "--no-kit").returncode == 0
    return str(path)


def _kit(tmp: Path, dsn: str) -> str:
    assert run_cli("probe", "--dsn", dsn, "--out", str(tmp / "kit"), "--json").returncode == 0
    return str(tmp / "kit")


def _nowhere(tmp: Path) -> str:
    return f"host={tmp} port=1 dbname=nowhere connect_timeout=2"


def _target(tmp: Path, database: str) -> str:
    path = tmp / "target.toml"
    path.write_text(f'[target]\ndatabase = "{database}"\n')
    return str(path)


CASES: dict[str, dict[int, Case]] = {
    "check": {
        0: lambda t, d: ["check", _package(t)],
        1: lambda t, d: ["check", _package(t, "forbid_fail")],
        2: lambda t, d: ["check", str(t / "missing")],
        3: lambda t, d: ["check", _package(t), "--dsn", _nowhere(t)],
    },
    "lock": {0: lambda t, d: ["lock", _package(t)], 2: lambda t, d: ["lock", str(t / "missing")]},
    "init": {0: lambda t, d: ["init", str(t / "new-pkg")], 2: lambda t, d: ["init", _non_empty(t)]},
    "backup": {
        0: lambda t, d: ["backup", "--dsn", d, "--out", str(t / "kit")],
        2: lambda t, d: ["backup", "--dsn", d, "--jobs", "0"],
        3: lambda t, d: ["backup", "--dsn", _nowhere(t)],
    },
    "verify-backup": {
        0: lambda t, d: ["verify-backup", _backup(t, d), "--out", str(t / "v")],
        1: lambda t, d: ["verify-backup", _truncated(t, d), "--out", str(t / "v")],
        2: lambda t, d: ["verify-backup", str(t / "missing.dump")],
        3: lambda t, d: ["verify-backup", _backup(t, d), "--dsn", _nowhere(t)],
    },
    "probe": {
        0: lambda t, d: ["probe", "--dsn", d, "--out", str(t / "kit")],
        2: lambda t, d: ["probe", "--dsn", d, "--no-kit"],
        3: lambda t, d: ["probe", "--dsn", _nowhere(t)],
    },
    "diff": {
        0: lambda t, d: ["diff", _fingerprint(t, d, "a.json"), _fingerprint(t, d, "b.json")],
        1: lambda t, d: ["diff", _fingerprint(t, d, "a.json"), _changed_fingerprint(t, d)],
        2: lambda t, d: ["diff", str(t / "a.json"), str(t / "b.json")],
    },
    "evidence verify": {
        0: lambda t, d: ["evidence", "verify", _kit(t, d)],
        1: lambda t, d: ["evidence", "verify", _tampered_kit(t, d)],
        2: lambda t, d: ["evidence", "verify", str(t / "missing")],
    },
    "identity": {
        0: lambda t, d: ["identity", "--dsn", d],
        1: lambda t, d: ["identity", "--dsn", d, "--target", _target(t, "not_this_one")],
        2: lambda t, d: ["identity", "--dsn", d, "--target", str(t / "missing.toml")],
        3: lambda t, d: ["identity", "--dsn", _nowhere(t)],
    },
    "binaries": {0: lambda t, d: ["binaries"], 3: lambda t, d: ["binaries", "--major", "99"]},
    "gc": {0: lambda t, d: ["gc"]},
    "demo": {2: lambda t, d: ["demo", "--out", _non_empty(t)]},
}


def _truncated(tmp: Path, dsn: str) -> str:
    dump = Path(_backup(tmp, dsn))
    cut = tmp / "cut.dump"  # outside its kit: no pin, so a truncated archive is a FAIL of the full read
    cut.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    return str(cut)


def _changed_fingerprint(tmp: Path, dsn: str) -> str:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE contract_extra (id int)")
    return _fingerprint(tmp, dsn, "b.json")


def _tampered_kit(tmp: Path, dsn: str) -> str:
    kit = Path(_kit(tmp, dsn))
    (kit / "SUMMARY.md").write_text("edited\n")
    return str(kit)


def _non_empty(tmp: Path) -> str:
    (tmp / "busy").mkdir()
    (tmp / "busy" / "x").write_text("x")
    return str(tmp / "busy")


PARAMS = [(cmd, code) for cmd, cases in CASES.items() for code in cases]


@pytest.mark.parametrize(("command", "code"), PARAMS, ids=[f"{c}-{n}" for c, n in PARAMS])
def test_every_exit_code_prints_one_envelope(command: str, code: int, tmp_path: Path, fresh_db: str) -> None:
    argv = CASES[command][code](tmp_path, fresh_db)
    r = run_cli(*argv, "--json", cwd=tmp_path)
    assert r.returncode == code, (argv, r.stdout[-2000:], r.stderr[-2000:])
    body = envelope(r)
    assert body["command"] == command and body["schema_version"] == 1
    assert body["status"] == {0: "PASS", 1: "FAIL", 2: "BAD_INPUT", 3: "ENVIRONMENT"}[code]
    assert "Traceback" not in r.stderr
    if "error" in body:
        assert body["error"]["message"] and f"pgwarden: {body['error']['category']}: " in r.stderr
    else:
        assert isinstance(body["result"], dict)
    if body["kit"] is not None:
        assert Path(body["kit"]).is_dir()


def test_usage_errors_are_envelopes_too(tmp_path: Path) -> None:
    r = run_cli("check", "--no-such-option", "--json", cwd=tmp_path)
    assert r.returncode == 2
    body = json.loads(r.stdout)
    assert body["status"] == "BAD_INPUT" and "--no-such-option" in body["error"]["message"]


def test_version_and_no_h_alias(tmp_path: Path) -> None:
    r = run_cli("-V")
    assert r.returncode == 0 and r.stdout.startswith("pgwarden, version ")
    r = run_cli("check", "-h")
    assert r.returncode == 2 and "No such option '-h'" in r.stderr
    r = run_cli("--help")
    assert r.returncode == 0 and "Exit codes" in r.stdout and "130" in r.stdout


def test_check_no_kit_leaves_nothing_behind(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    r = run_cli("check", pkg, "--no-kit", cwd=work)
    assert r.returncode == 0, r.stderr
    assert list(work.iterdir()) == [] and not (Path(pkg) / "pgwarden-runs").exists()
    r = run_cli("check", _package(tmp_path / "bad", "forbid_fail"), "--no-kit", cwd=work)
    assert r.returncode == 1 and "policy.forbid" in r.stdout and list(work.iterdir()) == []


def test_environment_problems_are_envelopes(tmp_path: Path, tiny_fs: Path) -> None:
    """Exit 3 of the commands that need no server: no binaries at all (demo), and a full disk (init)."""
    env = {"PGWARDEN_PG_BIN": str(tmp_path / "none"), "PGWARDEN_PG_BIN_ONLY": "1"}
    r = run_cli("demo", "--out", str(tmp_path / "demo"), "--json", env=env)
    assert r.returncode == 3 and envelope(r)["status"] == "ENVIRONMENT", r.stderr
    assert "no PostgreSQL binaries" in envelope(r)["error"]["message"]
    filler = tiny_fs / "filler"
    with open(filler, "wb") as f, pytest.raises(OSError):
        f.write(b"\0" * (2 << 20))
    r = run_cli("init", str(tiny_fs / "pkg"), "--json")
    assert r.returncode == 3 and envelope(r)["error"]["message"].startswith("disk full"), r.stderr


# -- the tests' in-process runs are the real thing ------------------------------------------------------------
SAME = {
    "version": (["-V"], None),
    "help": (["--help"], None),
    "command help": (["check", "--help"], None),
    "usage error": (["check", "--no-such-option", "--json"], None),
    "bad input": (["check", "missing", "--json"], None),
    "a finding": (["check", "PKG", "--no-kit"], None),
    "a finding, --json from the environment": (["check", "PKG", "--no-kit"], {"PGWARDEN_CHECK_JSON": "1"}),
    "a redacted password": (["identity", "--dsn", "host=/nonexistent password=Sekr3t-Pw dbname=x"], None),
    "completion": ([], {"_PGWARDEN_COMPLETE": "bash_source"}),
}


@pytest.mark.parametrize("name", SAME)
def test_an_in_process_run_prints_what_a_process_prints(name: str, tmp_path: Path) -> None:
    """``run_cli`` runs the click entry point inside the test process (tests/_inprocess.py): for the same command
    it gives the exit code, stdout and stderr that ``python -m pgwarden`` gives, to the byte."""
    argv, env = SAME[name]
    argv = [_package(tmp_path, "forbid_fail") if a == "PKG" else a for a in argv]
    here = run_cli(*argv, env=env, cwd=tmp_path)
    real = run_cli_subprocess(*argv, env=env, cwd=tmp_path)
    assert (here.returncode, here.stdout, here.stderr) == (real.returncode, real.stdout, real.stderr)
    assert "Sekr3t" not in here.stdout + here.stderr


def test_an_in_process_run_leaves_the_test_process_as_it_was(tmp_path: Path) -> None:
    """What ``pgwarden`` changes in its process (umask, signal handlers, the standard streams, the environment,
    the working directory, the secrets it redacts) is the test process's again after each in-process run."""
    import os
    import signal
    import sys

    from pgwarden import redact

    def state() -> tuple[object, ...]:
        umask = os.umask(0o022)
        os.umask(umask)
        handlers = tuple(signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGALRM))
        return (
            umask,
            handlers,
            sys.stdout,
            sys.stderr,
            sys.stdin,
            dict(os.environ),
            os.getcwd(),
            set(redact._REGISTERED),
            sys.argv,
        )

    token = tmp_path / "token"
    token.write_text("a-secret-value\n")
    pkg = Path(_package(tmp_path))
    with (pkg / "pgwarden.toml").open("a") as f:
        f.write(f'\n[vars]\ntoken = {{ file = "{token}", secret = true }}\n')
    lock(pkg)
    before = state()
    runs = [
        run_cli("check", str(pkg), "--no-kit", cwd=tmp_path, env={"PGWARDEN_CHECK_JSON": "1"}),
        run_cli("check", str(tmp_path / "missing")),
        run_cli("backup", "--dsn", "host=/nonexistent dbname=x", "--jobs", "0"),
    ]
    assert [r.returncode for r in runs] == [0, 2, 2], [(r.returncode, r.stderr) for r in runs]
    assert state() == before
