"""CLI conventions: -q/-v verbosity, every option from a PGWARDEN_* variable shown in --help, the exit codes
and shell completion in the main --help."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from pgwarden.cli import main
from pgwarden.cli.base import envvar_name
from pgwarden.package.lock import lock
from tests._package_helpers import CASES_DIR
from tests.conftest import envelope, run_cli

SRC = Path(__file__).resolve().parents[1] / "src" / "pgwarden"


def commands(group: click.Group = main, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, group
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from commands(cmd, (*path, name))
        else:
            yield (*path, name), cmd


def options(cmd: click.Command) -> list[click.Option]:
    return [p for p in cmd.params if isinstance(p, click.Option) and "--version" not in p.opts]


def help_text(path: tuple[str, ...], cmd: click.Command) -> str:
    """A command's --help as click renders it, in this process (no exit, no signal handlers)."""
    ctx = click.Context(
        main, info_name="pgwarden", help_option_names=["--help"], max_content_width=110, auto_envvar_prefix="PGWARDEN"
    )
    group: click.Command = main
    for name in path:
        assert isinstance(group, click.Group)
        group = group.commands[name]
        ctx = click.Context(group, info_name=name, parent=ctx)
    return cmd.get_help(ctx)


def _package(tmp: Path) -> Path:
    dest = tmp / "pkg"
    shutil.copytree(CASES_DIR / "forbid_near_miss", dest, ignore=shutil.ignore_patterns("expected.toml"))
    lock(dest)
    return dest


# -- --help ---------------------------------------------------------------------------------------------
def test_main_help_lists_exit_codes_environment_and_completion(tmp_path: Path) -> None:
    r = run_cli("--help", cwd=tmp_path)
    assert r.returncode == 0
    text = " ".join(r.stdout.split())
    for code, meaning in (
        ("0", "PASS"),
        ("1", "FAIL"),
        ("2", "bad input"),
        ("3", "environment"),
        ("130", "interrupted"),
        ("70", "a bug"),
    ):
        assert re.search(rf"^\s+{code}\s+{meaning}", r.stdout, re.MULTILINE), (code, r.stdout)
    assert "PGWARDEN_<COMMAND>_<OPTION>" in text and "PGWARDEN_CHECK_NO_KIT=1" in text
    assert "_PGWARDEN_COMPLETE=bash_source pgwarden" in text
    assert "service=" in text
    assert "-q, --quiet" in r.stdout and "[env var: PGWARDEN_QUIET]" in text and "PGWARDEN_VERBOSE" in text


@pytest.mark.parametrize(("path", "cmd"), list(commands()), ids=[" ".join(p) or "pgwarden" for p, _ in commands()])
def test_every_option_shows_its_environment_variable(path: tuple[str, ...], cmd: click.Command) -> None:
    text = " ".join(help_text(path, cmd).split())
    for opt in options(cmd):
        own = envvar_name(path, opt)
        assert opt.show_envvar and isinstance(opt.envvar, list) and opt.envvar[0] == own, (path, opt.opts)
        assert re.fullmatch(r"PGWARDEN(_[A-Z0-9]+)+", own), own
        assert own in text, (own, text)
        assert not opt.allow_from_autoenv, "only the names --help shows are read"


def test_real_help_output_names_the_variables(tmp_path: Path) -> None:
    r = run_cli("check", "--help", cwd=tmp_path)
    text = " ".join(r.stdout.split())
    for var in (
        "PGWARDEN_CHECK_DSN, PGWARDEN_DSN",
        "PGWARDEN_CHECK_NO_KIT",
        "PGWARDEN_CHECK_OUT",
        "PGWARDEN_CHECK_JSON",
    ):
        assert var in text, var
    r = run_cli("evidence", "verify", "--help", cwd=tmp_path)
    assert "PGWARDEN_EVIDENCE_VERIFY_KEY, PGWARDEN_KIT_PUBLIC_KEY" in " ".join(r.stdout.split())


def _library_variables() -> set[str]:
    """PGWARDEN_* variables the library reads itself (outside the CLI)."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "cli" not in path.relative_to(SRC).parts:
            found |= set(re.findall(r"\bPGWARDEN_[A-Z0-9_]+\b", path.read_text(encoding="utf-8")))
    return found


def test_option_variables_clash_with_nothing() -> None:
    """No option's own variable is one the library reads for something else (PGWARDEN_STATEMENT_TIMEOUT…), and
    no two options share one."""
    library = _library_variables()
    assert {"PGWARDEN_STATEMENT_TIMEOUT", "PGWARDEN_LOCK_TIMEOUT", "PGWARDEN_PG_BIN", "PGWARDEN_RUN_AS"} <= library
    owners: dict[str, str] = {}
    for path, cmd in commands():
        for opt in options(cmd):
            own = envvar_name(path, opt)
            where = f"{' '.join(('pgwarden', *path))} {opt.opts[-1]}"
            assert own not in library, f"{where}: {own} is read by the library for another purpose"
            assert own not in owners, f"{where} and {owners.get(own)} share {own}"
            owners[own] = where
    assert len(owners) > 50


# -- values from the environment ------------------------------------------------------------------------
def test_an_environment_variable_sets_a_flag(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    r = run_cli("check", str(pkg), cwd=work)
    assert r.returncode == 0 and (work / "pgwarden-runs").is_dir(), "without the variable a kit is written"
    shutil.rmtree(work / "pgwarden-runs")
    r = run_cli("check", str(pkg), cwd=work, env={"PGWARDEN_CHECK_NO_KIT": "1", "PGWARDEN_CHECK_JSON": "true"})
    assert r.returncode == 0, r.stderr
    assert list(work.iterdir()) == [], "PGWARDEN_CHECK_NO_KIT=1 is --no-kit"
    assert envelope(r)["result"]["verdict"] == "PASS", "PGWARDEN_CHECK_JSON=true is --json"
    r = run_cli("check", str(pkg), cwd=work, env={"PGWARDEN_CHECK_NO_KIT": "0"})
    assert r.returncode == 0 and (work / "pgwarden-runs").is_dir(), "0 is off"


def test_an_environment_variable_sets_a_value(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    r = run_cli("check", str(pkg), env={"PGWARDEN_CHECK_OUT": str(tmp_path / "kit")}, cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "kit" / "run.json").is_file(), r.stderr
    r = run_cli(
        "check",
        str(pkg),
        "--out",
        str(tmp_path / "kit2"),
        env={"PGWARDEN_CHECK_OUT": str(tmp_path / "no")},
        cwd=tmp_path,
    )
    assert r.returncode == 0 and (tmp_path / "kit2").is_dir() and not (tmp_path / "no").exists(), (
        "the command line wins"
    )
    r = run_cli("schema", "manifest", env={"PGWARDEN_SCHEMA_JSON": "1"}, cwd=tmp_path)
    assert envelope(r)["result"]["title"].startswith("pgwarden.toml")


def test_a_bad_value_from_the_environment_is_a_usage_error_with_an_envelope(tmp_path: Path) -> None:
    r = run_cli(
        "backup",
        "--dsn",
        "host=/nonexistent",
        env={"PGWARDEN_BACKUP_JOBS": "many", "PGWARDEN_BACKUP_JSON": "1"},
        cwd=tmp_path,
    )
    assert r.returncode == 2
    body = json.loads(r.stdout)
    assert body["status"] == "BAD_INPUT" and "many" in body["error"]["message"], body


def test_a_repeatable_option_takes_one_value_per_line(fresh_db: str, tmp_path: Path) -> None:
    """--query NAME=SQL has spaces: from the environment, values are split on lines, not on blanks."""
    fp = tmp_path / "fp.json"
    r = run_cli(
        "probe",
        "--dsn",
        fresh_db,
        "--no-kit",
        "--fingerprint",
        str(fp),
        cwd=tmp_path,
        env={"PGWARDEN_PROBE_QUERY": "one=select 1\n\ntwo=select 'a b' || 'c'\n"},
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(fp.read_text())["queries"] == {"one": "1", "two": "a bc"}


def test_version_and_help_are_not_read_from_the_environment(tmp_path: Path) -> None:
    r = run_cli(
        "schema",
        "run",
        cwd=tmp_path,
        env={"PGWARDEN_VERSION": "1.2.3", "PGWARDEN_HELP": "1", "PGWARDEN_SCHEMA_HELP": "1"},
    )
    assert r.returncode == 0 and json.loads(r.stdout)["title"].startswith("pgwarden run.json"), r.stdout[:200]


# -- verbosity ------------------------------------------------------------------------------------------
def test_quiet_silences_progress_and_verbose_adds_gates(tmp_path: Path) -> None:
    pkg = _package(tmp_path)

    def check(*flags: str, env: dict[str, str] | None = None) -> tuple[str, str]:
        kit = tmp_path / f"kit{len(list(tmp_path.iterdir()))}"
        r = run_cli(*flags, "check", str(pkg), "--out", str(kit), cwd=tmp_path, env=env)
        assert r.returncode == 0, r.stderr
        return r.stdout, r.stderr

    _, err = check()
    assert "check forbid-near-miss: 1 bundle(s)" in err and "gate integrity" not in err
    quiet_out, quiet_err = check("-q")
    assert quiet_err == "" and "PASS" in quiet_out, "the result still prints; progress does not"
    assert check(env={"PGWARDEN_QUIET": "1"})[1] == ""
    _, verbose = check("-v")
    assert re.search(r"^\[\s*\d+\.\d\ds\] gate integrity: PASS \(\d+\.\d\d s\)$", verbose, re.MULTILINE), verbose
    assert "gate policy: PASS" in verbose
    assert "gate integrity: PASS" in check("-v", env={"PGWARDEN_QUIET": "1"})[1], "the command line wins"


def test_quiet_and_verbose_together_are_a_usage_error(tmp_path: Path) -> None:
    r = run_cli("-q", "-v", "schema", "run", "--json", cwd=tmp_path)
    assert r.returncode == 2 and envelope(r)["status"] == "BAD_INPUT"
    assert "contradict" in envelope(r)["error"]["message"]
    r = run_cli("schema", "run", cwd=tmp_path, env={"PGWARDEN_QUIET": "1", "PGWARDEN_VERBOSE": "1"})
    assert r.returncode == 2 and "contradict" in r.stderr


# -- completion -----------------------------------------------------------------------------------------
def test_shell_completion(tmp_path: Path) -> None:
    r = run_cli(cwd=tmp_path, env={"_PGWARDEN_COMPLETE": "bash_source"})
    assert r.returncode == 0 and "_pgwarden_completion" in r.stdout and "complete " in r.stdout

    def complete(words: str, cword: int) -> list[str]:
        r = run_cli(
            cwd=tmp_path, env={"_PGWARDEN_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
        )
        assert r.returncode == 0, r.stderr
        return [line.split(",", 1)[1] for line in r.stdout.splitlines()]

    assert complete("pgwarden sch", 1) == ["schema"]
    assert complete("pgwarden schema f", 2) == ["fingerprint"]
    assert "--no-kit" in complete("pgwarden check --no", 2)


# -- naming targets -------------------------------------------------------------------------------------
def test_a_pg_service_names_the_target(fresh_db: str, tmp_path: Path) -> None:
    """``--dsn service=NAME`` (pg_service.conf, as psql reads it) reaches both pgwarden's own sessions and the
    client tools it runs (pg_dump gets PGSERVICEFILE through its clean environment)."""
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(fresh_db)
    services = tmp_path / "pg_service.conf"
    services.write_text("[warden_test]\n" + "".join(f"{k}={v}\n" for k, v in params.items()))
    env = {"PGSERVICEFILE": str(services)}
    r = run_cli(
        "probe",
        "--dsn",
        "service=warden_test",
        "--no-kit",
        "--fingerprint",
        str(tmp_path / "fp.json"),
        "--json",
        cwd=tmp_path,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "fp.json").read_text())["server"]["database"] == params["dbname"]
    r = run_cli(
        "backup",
        "--out",
        str(tmp_path / "kit"),
        "--json",
        cwd=tmp_path,
        env={**env, "PGWARDEN_DSN": "service=warden_test"},
    )
    assert r.returncode == 0, r.stderr
    run = json.loads((tmp_path / "kit" / "run.json").read_text())
    assert (
        run["arguments"]["dsn"] == "service=warden_test"
        and run["environment"]["server"]["database"] == params["dbname"]
    )
