"""The library's public API: every command is a plain function of ``pgwarden``, with its options and its result
type; ``import pgwarden`` loads nothing else until a name is used."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

import pgwarden
from tests._apply_helpers import B, write_package

COMMANDS = (
    "check",
    "lock",
    "check_lock",
    "init",
    "apply",
    "rehearse",
    "status",
    "resolve",
    "backup",
    "verify_backup",
    "probe",
    "diff_files",
    "import_migrations",
    "report_kit",
    "verify_kit",
    "sign_kit",
    "gc",
    "demo",
)


def test_every_public_name_resolves_to_what_its_module_defines() -> None:
    assert set(COMMANDS) <= set(pgwarden.__all__)
    for name in pgwarden.__all__:
        value = getattr(pgwarden, name)
        if name in COMMANDS:
            assert inspect.isfunction(value), name
            assert value.__module__.startswith("pgwarden."), name
    with pytest.raises(AttributeError, match="no_such_command"):
        getattr(pgwarden, "no_such_command")  # noqa: B009


def test_a_room_named_like_its_command_does_not_hide_the_command() -> None:
    """``pgwarden/apply/`` holds ``apply``: importing the room (as every command does) leaves ``pgwarden.apply``
    the function, and the module stays importable by its dotted name."""
    from pgwarden.apply.apply import apply
    from pgwarden.rehearse import rehearse as rehearse_module

    assert pgwarden.apply is apply and inspect.isfunction(pgwarden.rehearse)
    assert rehearse_module.rehearse is pgwarden.rehearse


def test_import_pgwarden_loads_no_command_and_no_driver() -> None:
    code = (
        "import sys, pgwarden; loaded = sorted(m for m in sys.modules if m.startswith(('psycopg', 'pglast', "
        "'rich', 'jsonschema', 'pgwarden.apply', 'pgwarden.check'))); print(loaded, pgwarden.__version__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("[] "), out


def test_a_library_user_checks_then_applies_a_package(tmp_path: Path, fresh_db: str) -> None:
    """The same commands the CLI runs, called as functions: typed results, and the database changed."""
    pkg = write_package(tmp_path / "p", [B("A", "CREATE TABLE public.lib_t (id int);\n", "DROP TABLE public.lib_t;\n")])
    checked = pgwarden.check(pkg, out=tmp_path / "check-kit")
    assert isinstance(checked, pgwarden.CheckResult) and checked.verdict is pgwarden.Verdict.PASS
    assert (tmp_path / "check-kit" / "run.json").is_file()
    with pytest.raises(pgwarden.BadInput):
        pgwarden.check(tmp_path / "missing")
    applied = pgwarden.apply(
        pkg,
        pgwarden.Options(
            dsn=fresh_db, out=tmp_path / "apply-kit", rehearse="none", no_backup=True, backup_sha256="0" * 64
        ),
    )
    assert isinstance(applied, pgwarden.ApplyResult) and applied.verdict is pgwarden.Verdict.PASS
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT to_regclass('public.lib_t') IS NOT NULL").fetchone() == (True,)
