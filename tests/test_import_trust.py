"""`pgwarden import` can be trusted with a hostile or careless migration directory (issue 20, "Trust II"):

- a mid-file COMMIT/BEGIN is cut where psql commits, each part a bundle, never kept behind a txn.control
  waiver; the package applies to the schema psql gives running the original file (on 15 and 18);
- nothing outside DIR is read: ``../`` in sqitch.plan names, symlinks (files or directories) that leave DIR;
- Sqitch dependency cycles and dependencies that are not in the plan are bad input naming them;
- a version a tool cannot read (golang-migrate, Flyway, popx) is bad input naming the file;
- a ``--secret-var`` value is written nowhere and printed nowhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import psycopg
import pytest

from tests._apply_helpers import run_apply
from tests.conftest import Server, envelope, run_cli
from tests.test_import import FIXTURES, NO_BACKUP, _drop_history, _new_db, _same_schema

PLANNER = "2024-01-01T10:00:00Z Ada Ops <ada@example.com>"


def _files(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _sqitch(root: Path, plan: list[str], scripts: dict[str, str] | None = None, project: str = "billing") -> Path:
    """A Sqitch project: ``plan`` lines after the pragmas; a deploy script for every planned change."""
    files = {"sqitch.plan": "\n".join(["%syntax-version=1.0.0", f"%project={project}", "", *plan]) + "\n"}
    for line in plan:
        if line and line[0] not in "@#" and ".." not in line.split()[0]:
            files[f"deploy/{line.split()[0]}.sql"] = f"CREATE TABLE {line.split()[0].replace('/', '_')} ();\n"
    files.update(scripts or {})
    return _files(root, files)


def _import(
    tool: str, src: Path, out: Path, *more: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_cli("import", tool, str(src), str(out), *more, env=env)


def _refused(r: subprocess.CompletedProcess[str], out: Path, *words: str) -> str:
    """Exit 2, one line naming ``words``, no traceback, nothing written."""
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("pgwarden: ")]
    assert len(errors) == 1, r.stderr
    line = errors[0]
    for w in words:
        assert w in line, (w, line)
    assert not out.exists(), sorted(p.name for p in out.iterdir())
    return line


def _manifest(out: Path) -> dict:  # type: ignore[type-arg]
    return tomllib.loads((out / "pgwarden.toml").read_text())


# -- 1. transaction control: cut where psql commits, never waived ----------------------------------------
MIXED = """SET search_path = app;
BEGIN;
CREATE TABLE a (id int PRIMARY KEY);
INSERT INTO a VALUES (1);
COMMIT;
CREATE TABLE b (id int);
INSERT INTO b SELECT id FROM a;
BEGIN;
CREATE TABLE c (id int);
COMMIT;
BEGIN;
CREATE TABLE never (id int);
ROLLBACK;
"""
MIXED_DOWN = "BEGIN;\nDROP TABLE app.c;\nCOMMIT;\nDROP TABLE app.b;\nDROP TABLE app.a;\n"


def _golang_mixed(root: Path) -> Path:
    return _files(
        root,
        {
            "1_schema.up.sql": "CREATE SCHEMA app;\n",
            "1_schema.down.sql": "DROP SCHEMA app;\n",
            "2_mixed.up.sql": MIXED,
            "2_mixed.down.sql": MIXED_DOWN,
            "3_after.up.sql": "CREATE TABLE app.d (id int);\n",
        },
    )


def test_a_mid_file_commit_is_cut_where_psql_commits_and_applies_as_psql_runs_it(
    pg_server: Server, tmp_path: Path
) -> None:
    src, out = _golang_mixed(tmp_path / "mig"), tmp_path / "pkg"
    r = _import("golang-migrate", src, out)
    assert r.returncode == 0, r.stdout + r.stderr
    m = _manifest(out)
    assert all(w["rule"] != "txn.control" for w in m.get("waiver", [])), m["waiver"]
    parts = [b for b in m["bundle"] if b["origin"] == "golang-migrate:2"]
    assert [b["id"] for b in parts] == ["2_mixed.1", "2_mixed.2", "2_mixed.3"]  # A, B (autocommit), C
    texts = [(out / b["apply"]).read_text() for b in parts]
    assert "CREATE TABLE a" in texts[0] and "CREATE TABLE b" in texts[1] and "CREATE TABLE c" in texts[2]
    assert all(t.startswith("SET search_path = app;") for t in texts)  # psql's session setting, in every part
    assert not any(re.search(r"\b(BEGIN|COMMIT|ROLLBACK)\b", t) or "never" in t for t in texts)
    assert [b["rollback"] == "none" for b in parts] == [True, True, False]  # the rollback goes on the last part
    assert "the whole migration's rollback is the last part's" in parts[0]["reason"]
    rollback = (out / parts[2]["rollback"]).read_text()
    assert "DROP TABLE app.c" in rollback and "COMMIT" not in rollback and "BEGIN" not in rollback
    md = (out / "IMPORT.md").read_text()
    split = next(ln for ln in md.splitlines() if ln.startswith("- 2_mixed.up.sql: 3 bundles"))
    assert "cut where psql commits" in split and "lines 2-5" in split and "ROLLBACK" in split, split
    assert "psql rolls its 1 statement(s) back" in md and "2_mixed.down.sql: joined into one rollback" in md
    assert run_cli("check", str(out)).returncode == 0

    original = _new_db(pg_server, "imp_trust_psql")
    psql = str(pg_server.bins.path("psql"))
    for name in ("1_schema.up.sql", "2_mixed.up.sql", "3_after.up.sql"):
        p = subprocess.run(
            [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", original, "-f", str(src / name)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert p.returncode == 0, p.stderr
    imported = _new_db(pg_server, "imp_trust_pkg")
    a = run_apply(out, imported, tmp_path / "kit", *NO_BACKUP)
    assert a.returncode == 0, a.stdout + a.stderr
    with psycopg.connect(imported) as conn:
        assert conn.execute(
            "SELECT count(*) FROM pgwarden.bundle_attempt WHERE bundle LIKE '2_mixed.%'"
        ).fetchone() == (3,)
        assert conn.execute("SELECT to_regclass('app.never'), (SELECT count(*) FROM app.b)").fetchone() == (None, 1)
    _drop_history(imported)
    _same_schema(original, imported)
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute('DROP DATABASE "imp_trust_psql" WITH (FORCE)')
        conn.execute('DROP DATABASE "imp_trust_pkg" WITH (FORCE)')


def test_transaction_control_that_cannot_be_mirrored_is_bad_input_and_writes_nothing(tmp_path: Path) -> None:
    ok = {"1_a.up.sql": "CREATE TABLE a ();\n"}
    cases = {
        "savepoint": ("BEGIN;\nCREATE TABLE b ();\nSAVEPOINT s;\nCOMMIT;\n", ("2_b.up.sql:3", "SAVEPOINT")),
        "open": ("CREATE TABLE b ();\nBEGIN;\nCREATE TABLE c ();\n", ("2_b.up.sql:2", "never ended")),
        "do_commit": (
            "CREATE TABLE b ();\nDO $$ BEGIN COMMIT; END $$;\n",
            ("2_b.up.sql", "COMMIT", "never waives transaction control"),
        ),
    }
    for name, (sql, words) in cases.items():
        src = _files(tmp_path / name, {**ok, "2_b.up.sql": sql})
        _refused(_import("golang-migrate", src, tmp_path / f"{name}-out"), tmp_path / f"{name}-out", *words)
    given = tmp_path / "given-empty"  # an OUT given empty stays empty when the refusal comes after writing
    given.mkdir()
    src = _files(tmp_path / "do2", {**ok, "2_b.up.sql": cases["do_commit"][0]})
    r = _import("golang-migrate", src, given)
    assert r.returncode == 2 and list(given.iterdir()) == [], r.stderr


def test_a_deploy_that_ends_in_rollback_leaves_nothing_and_stray_control_is_dropped(tmp_path: Path) -> None:
    src = _files(
        tmp_path / "mig",
        {
            "1_a.up.sql": "CREATE TABLE a ();\n",
            "2_discard.up.sql": "BEGIN;\nCREATE TABLE x ();\nROLLBACK;\n",
            "3_stray.up.sql": "CREATE TABLE s ();\nCOMMIT;\n",
        },
    )
    out = tmp_path / "pkg"
    r = _import("golang-migrate", src, out)
    assert r.returncode == 0, r.stderr
    m = _manifest(out)
    assert [b["id"] for b in m["bundle"]] == ["1_a", "3_stray"] and "waiver" not in m
    assert (out / "bundles" / "3_stray.sql").read_text() == "CREATE TABLE s ();\n"
    md = (out / "IMPORT.md").read_text()
    assert "2_discard.up.sql: nothing psql keeps" in md and "line 2 COMMIT with no transaction in progress" in md


# -- 2. nothing outside DIR is read -----------------------------------------------------------------------
def test_import_reads_nothing_outside_its_directory(tmp_path: Path) -> None:
    outside = _files(
        tmp_path / "elsewhere", {"evil.sql": "CREATE TABLE evil ();\n", "V9__evil.sql": "CREATE TABLE evil ();\n"}
    )
    rule = "import reads only files inside DIR"

    sq = _sqitch(tmp_path / "sq1", [f"a {PLANNER} # a", f"x/../../../elsewhere/evil [a] {PLANNER} # up and out"])
    (sq / "deploy" / "x").mkdir()
    _refused(
        _import("sqitch", sq, tmp_path / "o1"),
        tmp_path / "o1",
        "deploy/x/../../../elsewhere/evil.sql",
        "sqitch.plan:5",
        "outside DIR",
        rule,
    )

    sq = _sqitch(tmp_path / "sq2", [f"a {PLANNER} # a"])
    (sq / "deploy" / "a.sql").unlink()
    (sq / "deploy" / "a.sql").symlink_to(outside / "evil.sql")
    line = _refused(
        _import("sqitch", sq, tmp_path / "o2"),
        tmp_path / "o2",
        "deploy/a.sql",
        "is a symlink to",
        str(outside / "evil.sql"),
        rule,
    )
    assert "outside DIR" in line

    sq = _sqitch(tmp_path / "sq3", [f"a {PLANNER} # a"])
    (sq / "revert").symlink_to(outside, target_is_directory=True)
    _refused(_import("sqitch", sq, tmp_path / "o3"), tmp_path / "o3", "revert", "symlinked directory", rule)

    sq = _sqitch(tmp_path / "sq4", [f"a {PLANNER} # a"])
    (sq / "sqitch.conf").symlink_to(outside / "evil.sql")
    _refused(_import("sqitch", sq, tmp_path / "o4"), tmp_path / "o4", "sqitch.conf", rule)

    fw = _files(tmp_path / "fw", {"sql/V1__a.sql": "CREATE TABLE a ();\n"})
    (fw / "sql" / "more").symlink_to(outside, target_is_directory=True)
    _refused(_import("flyway", fw, tmp_path / "o5"), tmp_path / "o5", "sql/more", "symlinked directory", rule)

    fw = _files(tmp_path / "fw2", {"sql/V1__a.sql": "CREATE TABLE a ();\n"})
    (fw / "flyway.conf").symlink_to(outside / "evil.sql")
    _refused(_import("flyway", fw, tmp_path / "o6"), tmp_path / "o6", "flyway.conf", rule)

    for tool, name in (("golang-migrate", "2_b.up.sql"), ("popx", "2_b.up.sql")):
        d = _files(tmp_path / f"{tool}-d", {"1_a.up.sql": "CREATE TABLE a ();\n", "1_a.down.sql": "DROP TABLE a;\n"})
        (d / name).symlink_to(outside / "evil.sql")
        _refused(_import(tool, d, tmp_path / f"{tool}-o"), tmp_path / f"{tool}-o", name, "is a symlink to", rule)

    # a symlink that stays inside DIR is followed: it names a file of the same project
    inside = _files(tmp_path / "inside", {"1_a.up.sql": "CREATE TABLE a ();\n", "shared/b.sql": "CREATE TABLE b ();\n"})
    (inside / "2_b.up.sql").symlink_to(Path("shared") / "b.sql")
    r = _import("golang-migrate", inside, tmp_path / "o7")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o7" / "bundles" / "2_b.sql").read_text() == "CREATE TABLE b ();\n"


# -- 3. Sqitch dependencies as Sqitch checks them ---------------------------------------------------------
@pytest.mark.parametrize(
    ("plan", "words"),
    [
        (
            [f"a {PLANNER} # a", f"b [a nothere] {PLANNER} # b"],
            ("sqitch.plan:5", "change b", "nothere", "not in the plan"),
        ),
        (
            [f"a [c] {PLANNER} # a", f"b [a] {PLANNER} # b", f"c [b] {PLANNER} # c"],
            ("sqitch.plan:4", "change a", "cycle a -> c -> b -> a"),
        ),
        ([f"a [a] {PLANNER} # a"], ("change a requires itself",)),
        ([f"a [b] {PLANNER} # a", f"b {PLANNER} # b"], ("change a requires b", "planned after it (line 5)")),
        ([f"a {PLANNER} # a", f"b [a@v2] {PLANNER} # b"], ("change b requires a@v2", "not planned before it")),
    ],
    ids=["missing", "cycle", "itself", "later", "unknown-tag"],
)
def test_sqitch_dependency_errors_are_bad_input_naming_them(
    tmp_path: Path, plan: list[str], words: tuple[str, ...]
) -> None:
    _refused(_import("sqitch", _sqitch(tmp_path / "sq", plan), tmp_path / "out"), tmp_path / "out", *words)


def test_sqitch_dependencies_sqitch_accepts_still_import(tmp_path: Path) -> None:
    plan = [f"a {PLANNER} # a", f"@v1 {PLANNER} # tag", f"b [a a@v1 billing:a other:thing !gone @v1] {PLANNER} # b"]
    out = tmp_path / "out"
    r = _import("sqitch", _sqitch(tmp_path / "sq", plan), out)
    assert r.returncode == 0, r.stderr
    md = (out / "IMPORT.md").read_text()
    assert "other:thing (another project: not checked here)" in md and "conflicts with gone" in md
    bad = _sqitch(tmp_path / "sq2", [f"a {PLANNER} # a", f"b [other:x a-missing] {PLANNER} # b"])
    _refused(_import("sqitch", bad, tmp_path / "o2"), tmp_path / "o2", "change b", "a-missing")


# -- 4. versions the tool cannot read ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tool", "files", "words"),
    [
        ("golang-migrate", {"abc_init.up.sql": "CREATE TABLE x ();\n"}, ("abc_init.up.sql", "must be a number")),
        (
            "golang-migrate",
            {"99999999999999999999_big.up.sql": "CREATE TABLE x ();\n"},
            ("99999999999999999999_big.up.sql", "64-bit"),
        ),
        ("flyway", {"sql/V1.a__x.sql": "CREATE TABLE x ();\n"}, ("sql/V1.a__x.sql", "'1.a' is not a number")),
        ("flyway", {"sql/V__x.sql": "CREATE TABLE x ();\n"}, ("sql/V__x.sql", "no version")),
        ("flyway", {"sql/R2__x.sql": "CREATE TABLE x ();\n"}, ("sql/R2__x.sql", "repeatable migration has no version")),
        ("flyway", {"sql/V1_0__again.sql": "CREATE TABLE x ();\n"}, ("V1_0__again.sql", "duplicate versions")),
        ("popx", {"abc_init.up.sql": "CREATE TABLE x ();\n"}, ("abc_init.up.sql", "not a popx migration name")),
        ("popx", {"1_other.up.sql": "CREATE TABLE x ();\n"}, ("1_other.up.sql", "keys migrations by version alone")),
    ],
    ids=[
        "golang-alpha",
        "golang-int64",
        "flyway-alpha",
        "flyway-empty",
        "flyway-R-version",
        "flyway-1.0-is-1",
        "popx-alpha",
        "popx-same-version",
    ],
)
def test_a_version_the_tool_cannot_read_is_bad_input_naming_the_file(
    tmp_path: Path, tool: str, files: dict[str, str], words: tuple[str, ...]
) -> None:
    base = {"flyway": {"sql/V1__a.sql": "CREATE TABLE a ();\n"}}.get(tool, {"1_a.up.sql": "CREATE TABLE a ();\n"})
    src = _files(tmp_path / "mig", {**base, **files})
    _refused(_import(tool, src, tmp_path / "out"), tmp_path / "out", *words)


def test_popx_reads_names_and_order_as_popx_does(tmp_path: Path) -> None:
    src = _files(
        tmp_path / "mig",
        {
            "9_nine.up.sql": "CREATE TABLE nine ();\n",
            "10_ten.up.sql": "CREATE TABLE ten ();\n",
            "11_pg.up.sql": "CREATE TABLE generic ();\n",
            "11_pg.pg.up.sql": "CREATE TABLE pg ();\n",
            "12_auto.autocommit.up.sql": "CREATE TABLE auto1 ();\nCREATE TABLE auto2 ();\n",
        },
    )
    out = tmp_path / "out"
    r = _import("popx", src, out)
    assert r.returncode == 0, r.stderr
    m = _manifest(out)
    # popx orders versions as text ("10" < "11" < "12" < "9") and reads .pg. as PostgreSQL
    assert [b["origin"] for b in m["bundle"]] == ["popx:10", "popx:11", "popx:12", "popx:12", "popx:9"]
    pg = next(b for b in m["bundle"] if b["origin"] == "popx:11")
    assert (out / pg["apply"]).read_text() == "CREATE TABLE pg ();\n"


# -- 5. secrets are written nowhere -----------------------------------------------------------------------
def test_a_secret_var_is_written_nowhere_and_printed_nowhere(tmp_path: Path) -> None:
    secret = "s3cr3t-Value-that-must-never-leak"
    src = tmp_path / "sq"
    shutil.copytree(FIXTURES / "sqitch", src)
    env = {"PGW_IMPORT_SECRET": secret}
    out = tmp_path / "pkg"
    runs = [
        _import(
            "sqitch",
            src,
            out,
            "--var",
            "schema_comment=visible-on-the-command-line",
            "--secret-var",
            "schema_comment=PGW_IMPORT_SECRET",
            "--json",
            env=env,
        )
    ]
    assert runs[0].returncode == 0, runs[0].stdout + runs[0].stderr
    assert envelope(runs[0])["result"]["variables"] == ["schema", "schema_comment"]
    runs.append(
        run_cli(
            "-v",
            "import",
            "sqitch",
            str(src),
            str(tmp_path / "pkg2"),
            "--secret-var",
            "schema_comment=PGW_IMPORT_SECRET",
            env=env,
        )
    )
    assert runs[1].returncode == 0, runs[1].stderr
    for r in runs:
        assert secret not in r.stdout and secret not in r.stderr
    for pkg in (out, tmp_path / "pkg2"):
        for f in pkg.rglob("*"):
            if f.is_file():
                data = f.read_bytes()
                assert secret.encode() not in data, f
                assert b"visible-on-the-command-line" not in data, f  # the secret wins over --var
        m = _manifest(pkg)
        assert m["vars"]["schema_comment"] == {"env": "PGW_IMPORT_SECRET", "secret": True}
        assert m["vars"]["schema"] == "app"  # sqitch.conf's value, in the repo
        md = (pkg / "IMPORT.md").read_text()
        assert "schema_comment = secret, from environment variable PGW_IMPORT_SECRET (never written)" in md
        assert "'billing'" not in md  # sqitch.conf's value for the secret's name is not written either
    assert run_cli("check", str(out), env=env).returncode == 0
    assert "PGW_IMPORT_SECRET" not in os.environ
    r = _import("sqitch", src, tmp_path / "pkg3", "--secret-var", "schema_comment=PGW_IMPORT_SECRET")
    _refused(r, tmp_path / "pkg3", "--secret-var schema_comment=PGW_IMPORT_SECRET", "PGW_IMPORT_SECRET is not set")
