"""`pgwarden import` end to end: each tool's fixture imports to a package that passes check; the package applies
to the schema the original migrations give when psql runs them in the tool's order (probe diff empty); and
`apply --baseline-from` adopts what the tool's history shows applied, once, and runs only the pending ones."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from pgwarden.probe.fingerprint import diff_fingerprints
from pgwarden.probe.probe import fingerprint_dsn
from tests._apply_helpers import run_apply
from tests.conftest import Server, run_cli

FIXTURES = Path(__file__).parent / "import_fixtures"
FORMATS = ("sqitch", "flyway", "golang-migrate", "popx")
NO_BACKUP = ("--no-backup", "--i-have-a-backup", "0" * 64)
ADOPT = 10  # migrations the other tool applied before pgwarden takes over


# -- the original tool's order, written here independently of pgwarden's readers -----------------------
def _sqitch_order() -> list[tuple[str, list[Path]]]:
    root = FIXTURES / "sqitch"
    names = [
        ln.split()[0] for ln in (root / "sqitch.plan").read_text().splitlines() if ln.strip() and ln[0] not in "%@#"
    ]
    return [(n, [root / "deploy" / f"{n}.sql"]) for n in names]


def _flyway_order() -> list[tuple[str, list[Path]]]:
    root = FIXTURES / "flyway" / "sql"
    versioned = sorted(
        (p for p in root.glob("V*__*.sql")), key=lambda p: tuple(int(x) for x in p.name[1:].split("__")[0].split("_"))
    )
    repeat = sorted(root.glob("R__*.sql"))
    return [(p.name[1:].split("__")[0].replace("_", "."), [p]) for p in versioned] + [
        (p.name[3:-4].replace("_", " "), [p]) for p in repeat
    ]


def _golang_order() -> list[tuple[str, list[Path]]]:
    root = FIXTURES / "golang-migrate"
    ups = sorted(root.glob("*.up.sql"), key=lambda p: int(re.match(r"V?(\d+)", p.name).group(1)))  # type: ignore[union-attr]
    return [(str(int(re.match(r"V?(\d+)", p.name).group(1))), [p]) for p in ups]  # type: ignore[union-attr]


def _popx_order() -> list[tuple[str, list[Path]]]:
    root = FIXTURES / "popx"
    out: dict[str, Path] = {}
    for p in sorted(root.glob("*.up.sql")):
        version = p.name.split("_", 1)[0]
        dialect = p.name.split(".")[1] if p.name.count(".") > 2 else ""
        if dialect in ("mysql", "cockroach", "sqlite3"):
            continue
        if version not in out or dialect == "postgres":
            out[version] = p
    return [(v, [out[v]]) for v in sorted(out, key=int)]


ORDER = {"sqitch": _sqitch_order, "flyway": _flyway_order, "golang-migrate": _golang_order, "popx": _popx_order}


def _psql_run(server: Server, dsn: str, tool: str, upto: int | None = None) -> None:
    """Run the original migrations with psql, in the tool's order (the first ``upto`` only)."""
    psql = str(server.bins.path("psql"))
    for _key, files in ORDER[tool]()[:upto]:
        for f in files:
            text = f.read_text()
            if tool == "flyway":
                text = text.replace("${schema}", "app")  # what Flyway's placeholder replacement does
            with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as tmp:
                tmp.write(text)
            r = subprocess.run(
                [
                    psql,
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-v",
                    "schema=app",
                    "-v",
                    "schema_comment=billing",
                    "-d",
                    dsn,
                    "-f",
                    tmp.name,
                ],
                capture_output=True,
                text=True,
                timeout=60,
            )
            Path(tmp.name).unlink()
            assert r.returncode == 0, f"{f}: {r.stderr}"


def _history(dsn: str, tool: str, *, dirty: bool = False) -> None:
    """Write the tool's own history table as the tool does after the first ADOPT migrations."""
    done = ORDER[tool]()[:ADOPT]
    with psycopg.connect(dsn, autocommit=True) as conn:
        if tool == "sqitch":
            conn.execute(
                "CREATE SCHEMA sqitch; CREATE TABLE sqitch.changes (change_id text PRIMARY KEY, change text, "
                "project text); CREATE TABLE sqitch.events (event text, change text, project text, "
                "committed_at timestamptz)"
            )
            for i, (name, _f) in enumerate(done):
                conn.execute("INSERT INTO sqitch.changes VALUES (%s, %s, 'billing')", (f"id{i}", name))
                conn.execute("INSERT INTO sqitch.events VALUES ('deploy', %s, 'billing', now())", (name,))
        elif tool == "flyway":
            conn.execute(
                "CREATE TABLE flyway_schema_history (installed_rank int, version text, description text, "
                "type text, script text, success boolean)"
            )
            for i, (version, files) in enumerate(done, 1):
                conn.execute(
                    "INSERT INTO flyway_schema_history VALUES (%s, %s, %s, 'SQL', %s, %s)",
                    (
                        i,
                        version,
                        files[0].name.split("__")[1][:-4].replace("_", " "),
                        files[0].name,
                        not (dirty and i == len(done)),
                    ),
                )
        elif tool == "golang-migrate":
            conn.execute("CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)")
            conn.execute("INSERT INTO schema_migrations VALUES (%s, %s)", (int(done[-1][0]), dirty))
        else:
            conn.execute("CREATE TABLE schema_migration (version varchar(48) NOT NULL)")
            for version, _f in done:
                conn.execute("INSERT INTO schema_migration VALUES (%s)", (version,))


def _drop_history(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "DROP SCHEMA IF EXISTS sqitch CASCADE; DROP SCHEMA IF EXISTS pgwarden CASCADE; "
            "DROP TABLE IF EXISTS flyway_schema_history, schema_migrations, schema_migration"
        )


def _new_db(server: Server, name: str) -> str:
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    return server.dsn(name)


def _same_schema(a: str, b: str) -> None:
    d = diff_fingerprints(fingerprint_dsn(a), fingerprint_dsn(b))
    assert d.identical, "\n".join(d.lines()[:40])


@pytest.mark.parametrize("tool", FORMATS)
def test_import_check_apply_and_adopt(pg_server: Server, tmp_path: Path, tool: str) -> None:
    out = tmp_path / "pkg"
    r = run_cli("import", tool, str(FIXTURES / tool), str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(ORDER[tool]()) >= 20
    assert run_cli("check", str(out)).returncode == 0
    md = (out / "IMPORT.md").read_text()
    assert "## Skipped empty files" in md and "## Waivers" in md

    original = _new_db(pg_server, f"imp_{tool.replace('-', '_')}_orig")
    _psql_run(pg_server, original, tool)

    fresh = _new_db(pg_server, f"imp_{tool.replace('-', '_')}_new")
    r = run_apply(out, fresh, tmp_path / "kit1", *NO_BACKUP)
    assert r.returncode == 0, r.stdout + r.stderr
    _drop_history(fresh)
    _same_schema(original, fresh)

    adopted_db = _new_db(pg_server, f"imp_{tool.replace('-', '_')}_adopt")
    _psql_run(pg_server, adopted_db, tool, ADOPT)
    _history(adopted_db, tool)
    r = run_apply(out, adopted_db, tmp_path / "kit2", *NO_BACKUP, "--baseline-from", tool)
    assert r.returncode == 0, r.stdout + r.stderr
    with psycopg.connect(adopted_db) as conn:
        rows = conn.execute(
            "SELECT bundle, adopted_from IS NOT NULL, run_id FROM pgwarden.bundle_attempt ORDER BY id"
        ).fetchall()
    adopted = [b for b, a, _r in rows if a]
    ran = [b for b, a, _r in rows if not a]
    assert adopted and ran and len(adopted) + len(ran) == len(rows)
    assert len({r for _b, _a, r in rows}) == 1  # one run: adopted rows, then the pending bundles
    again = run_apply(out, adopted_db, tmp_path / "kit3", *NO_BACKUP, "--baseline-from", tool)
    assert again.returncode == 0 and "nothing to do" in again.stdout, again.stdout + again.stderr
    with psycopg.connect(adopted_db) as conn:
        assert conn.execute("SELECT count(*) FROM pgwarden.bundle_attempt").fetchone() == (len(rows),)  # once
    _drop_history(adopted_db)
    _same_schema(original, adopted_db)
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        for suffix in ("orig", "new", "adopt"):
            conn.execute(f'DROP DATABASE "imp_{tool.replace("-", "_")}_{suffix}" WITH (FORCE)')


@pytest.mark.parametrize("tool", ("golang-migrate", "flyway"))
def test_a_dirty_or_failed_history_is_refused(pg_server: Server, tmp_path: Path, tool: str) -> None:
    out = tmp_path / "pkg"
    assert run_cli("import", tool, str(FIXTURES / tool), str(out)).returncode == 0
    db = _new_db(pg_server, f"imp_dirty_{tool.replace('-', '_')}")
    _history(db, tool, dirty=True)
    r = run_apply(out, db, tmp_path / "kit", *NO_BACKUP, "--baseline-from", tool)
    assert r.returncode == 2, r.stdout + r.stderr
    assert ("dirty" if tool == "golang-migrate" else "failed") in r.stderr
    with psycopg.connect(db) as conn:  # nothing touched: no ledger, no bundle
        assert conn.execute(
            "SELECT to_regclass('pgwarden.bundle_attempt'), to_regclass('app.accounts')"
        ).fetchone() == (None, None)


def test_rollback_ending_deploys_keep_their_rollback_and_gexec_runs_every_column(fresh_db: str) -> None:
    from pgwarden.importing.sql import prepare

    p = prepare("BEGIN;\nCREATE TABLE a (id int);\nROLLBACK;\n", "up.sql")
    assert p.stripped is None and "ROLLBACK" in p.text  # it discards its work: not a wrapper to cut
    v = prepare("BEGIN;\nSELECT 1;\nROLLBACK;\n", "verify.sql", wrapper_end=("TRANS_STMT_ROLLBACK",))
    assert v.stripped == "BEGIN … ROLLBACK"
    g = prepare("SELECT * FROM (VALUES ('CREATE TABLE g1 ()', NULL, 'CREATE TABLE g2 ()')) v \\gexec\n", "g.sql")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(g.text)
        assert conn.execute("SELECT to_regclass('g1') IS NOT NULL AND to_regclass('g2') IS NOT NULL").fetchone() == (
            True,
        )


def test_bad_input_to_import_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    r = run_cli("import", "flyway", str(tmp_path / "nowhere"), str(tmp_path / "out"))
    assert r.returncode == 2 and "not a directory" in r.stderr and not (tmp_path / "out").exists()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    r = run_cli("import", "flyway", str(FIXTURES / "flyway"), str(busy))
    assert r.returncode == 2 and "not an empty directory" in r.stderr
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]
    plain = tmp_path / "sq"
    shutil.copytree(FIXTURES / "sqitch", plain)
    (plain / "sqitch.conf").unlink()  # the variables' values live there
    r = run_cli("import", "sqitch", str(plain), str(tmp_path / "out2"))
    assert r.returncode == 2 and "--var" in r.stderr and ":schema" in r.stderr, r.stderr
    assert not (tmp_path / "out2").exists()
    assert run_cli("import", "sqitch", str(plain), str(tmp_path / "out3"), "--var", "oops").returncode == 2
