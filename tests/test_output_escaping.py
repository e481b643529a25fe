"""Someone else's text never controls the output: no forged workflow command, no ESC sequence, no bidi override.

A package's name, description, bundle title, probe name, waiver and rollback reasons, a statement of its SQL
and a server's error message (a ``RAISE EXCEPTION`` text, a quoted identifier with a newline in it) all carry
``\\n::stop-commands::pwned``, ``##[stop-commands]pwned`` (GitHub's legacy syntax, honoured anywhere in a
line), ``\\x1b[2J`` (clear the screen) and U+202E (RIGHT-TO-LEFT OVERRIDE). Whatever pgwarden prints or
writes for a person (stdout and stderr in every ``check --format``, progress lines, SUMMARY.md, report.html,
$GITHUB_STEP_SUMMARY) must then hold no line that GitHub's runner would read as a command except pgwarden's
own annotations, no raw ESC or bidi character, and the escaped form, visibly.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pgwarden.package.lock import lock
from tests.conftest import run_cli

ESC, RLO = "\x1b", "\u202e"
HOSTILE = "\n::stop-commands::pwned ##[stop-commands]pwned \x1b[2J \u202eevil"
TOML_HOSTILE = r"\n::stop-commands::pwned ##[stop-commands]pwned \u001b[2J \u202eevil"  # the same, in TOML
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
OURS = re.compile(r"::(error|warning|notice) file=[^:]*::")  # pgwarden's own annotations, properties escaped


def _package(root: Path, sql: str, *, waiver: bool = True) -> Path:
    """A package whose every free-text field is hostile; bundle A's SQL is ``sql``, its rollback "none"."""
    pkg = root / "pkg"
    pkg.mkdir()
    waive = f'\n[[waiver]]\nbundle = "A"\nrule = "policy.forbid"\nreason = "waived{TOML_HOSTILE}"\n' if waiver else ""
    (pkg / "pgwarden.toml").write_text(
        f"""[package]
name = "pkg{TOML_HOSTILE}"
description = "desc{TOML_HOSTILE}"

[settings]
lock_timeout = "5s"

[policy]
forbid = ["DROP TABLE"]

[[bundle]]
id = "A"
title = "title{TOML_HOSTILE}"
apply = "A.sql"
rollback = "none"
reason = "no way back{TOML_HOSTILE}"

[[probe]]
name = "probe{TOML_HOSTILE}"
after = "A"
sql = "SELECT 1"
expect_rows = 1
{waive}""",
        encoding="utf-8",
    )
    (pkg / "A.sql").write_text(sql, encoding="utf-8")
    lock(pkg)
    return pkg


OFFLINE_SQL = f'CREATE TABLE public.t (id int);\nDROP TABLE "evil{ESC}[2J{RLO}name";\n'


def assert_safe(text: str, where: str, *, annotations: bool = False) -> None:
    """No line a runner reads as a command (but pgwarden's own annotations), no raw control or bidi character."""
    assert not RAW.search(text), (where, RAW.search(text), text)
    for line in text.split("\n"):
        if annotations and OURS.match(line):
            continue
        assert not line.lstrip().startswith("::"), (where, line)
        assert "##[" not in line, (where, line)


def assert_written_safe(text: str, where: str) -> None:
    """A file for a person (SUMMARY.md, the step summary, a page): no raw control or bidi character, and the
    escaped form visible; in markdown, no field that starts a line of its own (in HTML a newline is a space)."""
    assert not RAW.search(text), (where, RAW.search(text))
    assert "\\u202eevil" in text and "\\x1b[2J" in text, where
    if not where.endswith(".html"):
        assert not any(ln.lstrip().startswith("::") for ln in text.splitlines()), (where, text)


def assert_visible(text: str, where: str) -> None:
    assert "\\x1b[2J" in text and "\\u202eevil" in text, (where, text)


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    r = run_cli(*args, cwd=cwd, env=env)
    assert "Traceback" not in r.stderr, r.stderr
    return r


def test_the_escaping_rules() -> None:
    from pgwarden import textsafe

    assert textsafe.one_line("a\x1b[2J\nb\r\u202ec\td\x85\x7f") == "a\\x1b[2J\\nb\\r\\u202ec\td\\x85\\x7f"
    assert textsafe.one_line("x ##[stop-commands]y") == "x ##\\x5bstop-commands]y"  # the runner's legacy syntax
    assert textsafe.one_line("\u00ad\u200b\u2028\ud800\U000e0041") == "\\xad\\u200b\\u2028\\ud800\\U000e0041"
    assert textsafe.out_line("  ::stop-commands::x") == "  \\x3a:stop-commands::x"
    assert textsafe.out_line("a ::b") == "a ::b" and textsafe.out_line(":a:") == ":a:"
    assert textsafe.lines(["a\n::b", "::c"]) == "a\\n::b\n\\x3a:c"
    assert textsafe.block("a\nb\x1b\u202e") == "a\nb\\x1b\\u202e" and textsafe.block("⚠️ ok") == "⚠️ ok"
    assert textsafe.one_line("E'a\\nb' ✅ é 表") == "E'a\\nb' ✅ é 表"  # a backslash and ordinary text stay


@pytest.mark.parametrize("fmt", ["github", "gcc", "text", None])
def test_check_output_escapes_every_hostile_field(tmp_path: Path, fmt: str | None) -> None:
    pkg = _package(tmp_path, OFFLINE_SQL)
    summary = tmp_path / "step-summary.md"
    r = _run(
        "check",
        "pkg",
        "--out",
        "kit",
        *(["--format", fmt] if fmt else []),
        cwd=tmp_path,
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert r.returncode == 0, r.stdout + r.stderr  # the DROP TABLE is waived
    assert pkg.is_dir()
    assert_safe(r.stdout, "stdout", annotations=fmt == "github")
    assert_safe(r.stderr, "stderr")
    assert_visible(r.stdout, "stdout")
    assert_visible(r.stderr, "stderr")  # the progress line names the package
    if fmt == "github":
        assert [ln for ln in r.stdout.splitlines() if OURS.match(ln)], r.stdout
        assert_written_safe(summary.read_text(), "$GITHUB_STEP_SUMMARY")
    kit = tmp_path / "kit"
    for name in ("SUMMARY.md", "report.html"):
        assert_written_safe((kit / name).read_text(), name)
    md = (kit / "SUMMARY.md").read_text()
    shown = (
        "# pgwarden check: pkg\\n::stop-commands::pwned",
        "desc\\n::stop-commands::pwned",  # a line: LF shown
        "title\\n::stop-commands::pwned",
        "no way back\\n::stop-commands::pwned",
        "[WAIVED: waived ::stop-commands::pwned",
        "| probe ::stop-commands::pwned",
    )  # a table cell: LF flattened
    for needle in shown:
        assert needle in md, (needle, md)


def test_report_command_output_and_page_are_escaped(tmp_path: Path) -> None:
    _package(tmp_path, OFFLINE_SQL)
    assert _run("check", "pkg", "--out", "kit", cwd=tmp_path).returncode == 0
    r = _run("report", "kit", "--html", "page.html", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert_safe(r.stdout + r.stderr, "report")
    page = (tmp_path / "page.html").read_text()
    assert not RAW.search(page) and "\\u202eevil" in page and "\\x1b[2J" in page


def test_a_hostile_file_name_in_a_kit_is_escaped_by_verify(tmp_path: Path) -> None:
    _package(tmp_path, OFFLINE_SQL)
    assert _run("check", "pkg", "--out", "kit", cwd=tmp_path).returncode == 0
    (tmp_path / "kit" / f"x{HOSTILE}").write_text("added")
    for args in (("evidence", "verify", "kit"), ("report", "kit", "--html", "page.html")):
        r = _run(*args, cwd=tmp_path)
        assert r.returncode == 1, r.stdout + r.stderr
        assert_safe(r.stdout + r.stderr, args[0])
        assert "x\\n::stop-commands::pwned ##\\x5bstop-commands]pwned \\x1b[2J \\u202eevil: not listed" in r.stdout


# -- a server's message: check --dsn and apply ----------------------------------------------------------------
def test_check_dsn_escapes_a_server_message(tmp_path: Path, fresh_db: str) -> None:
    """The relation's name, with a newline in it, comes back in the predicted refusal's message."""
    ident = f"t{HOSTILE}".replace('"', '""')
    _package(tmp_path, f'ALTER TABLE "{ident}" ADD COLUMN x int;\n', waiver=False)
    for fmt in ("github", "gcc", "text"):
        r = _run("check", "pkg", "--dsn", fresh_db, "--no-kit", "--format", fmt, cwd=tmp_path, env={"COLUMNS": "300"})
        assert r.returncode == 1, r.stdout + r.stderr
        assert_safe(r.stdout, fmt, annotations=fmt == "github")
        assert_safe(r.stderr, fmt)
        assert "does not exist" in r.stdout and "\\u202eevil" in r.stdout, r.stdout


APPLY_SQL = (
    "DO $$ BEGIN RAISE EXCEPTION E'boom\\n::stop-commands::pwned ##[stop-commands]pwned \\x1b[2J "
    "\\u202Eevil'; END $$;\n"
)


def _apply(tmp_path: Path, dsn: str) -> subprocess.CompletedProcess[str]:
    _package(tmp_path, APPLY_SQL, waiver=False)
    r = _run(
        "apply",
        "pkg",
        "--dsn",
        dsn,
        "--out",
        "kit",
        "--no-rehearse",
        "--no-backup",
        "--i-have-a-backup",
        "0" * 64,
        cwd=tmp_path,
    )
    assert r.returncode == 1, r.stdout + r.stderr
    return r


def test_apply_escapes_the_server_message_on_stderr_and_in_its_kit(tmp_path: Path, fresh_db: str) -> None:
    r = _apply(tmp_path, fresh_db)
    assert_safe(r.stderr, "stderr")
    assert "boom\\n::stop-commands::pwned" in r.stderr, r.stderr  # the execute gate's reason, on its line
    for name in ("SUMMARY.md", "report.html"):
        text = (tmp_path / "kit" / name).read_text()
        assert_written_safe(text, name)
        assert "boom\\n::stop-commands::pwned" in text, name


def test_apply_escapes_the_server_message_on_stdout(tmp_path: Path, fresh_db: str) -> None:
    r = _apply(tmp_path, fresh_db)
    assert_safe(r.stdout, "stdout")
    assert_visible(r.stdout, "stdout")


def test_an_error_naming_a_hostile_file_is_escaped(tmp_path: Path) -> None:
    pkg = _package(tmp_path, OFFLINE_SQL)
    manifest = pkg / "pgwarden.toml"
    manifest.write_text(manifest.read_text().replace('apply = "A.sql"', f'apply = "A{TOML_HOSTILE}.sql"'))
    shutil.copyfile(pkg / "A.sql", pkg / f"A{HOSTILE}.sql")
    r = _run("check", "pkg", "--no-kit", cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert_safe(r.stderr, "stderr")
