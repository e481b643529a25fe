"""`check --dsn --data-checks` and lock impact end to end, from the CLI, with the kit as the operator reads it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests._apply_helpers import B, exists, run_apply, write_package
from tests.conftest import named_db, run_cli

MILLION = """
CREATE TABLE app_user (id bigint PRIMARY KEY, email text NOT NULL, age int);
INSERT INTO app_user SELECT g, 'user' || g || '@example.com', g % 90 FROM generate_series(1, 1000000) g;
UPDATE app_user SET email = 'dup@example.com' WHERE id IN (17, 4242, 999999);
UPDATE app_user SET age = NULL WHERE id IN (10, 500000);
ANALYZE app_user;
"""


@pytest.fixture(scope="module")
def million(pg_server):
    with named_db(pg_server, f"million_{pg_server.major}") as dsn:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(MILLION)
        yield dsn


def _summary(out: Path) -> str:
    return (out / "SUMMARY.md").read_text(encoding="utf-8")


def _findings(out: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return found


def test_unique_index_over_three_duplicates_and_not_null_over_two_nulls(million: str, tmp_path: Path) -> None:
    pkg = write_package(
        tmp_path / "pkg",
        [
            B("A", "CREATE UNIQUE INDEX app_user_email_key ON app_user (email);\n", "DROP INDEX app_user_email_key;\n"),
            B(
                "B",
                "ALTER TABLE app_user ALTER COLUMN age SET NOT NULL;\n",
                "ALTER TABLE app_user ALTER COLUMN age DROP NOT NULL;\n",
            ),
        ],
        settings={"lock_timeout": "5s"},
    )
    plain = run_cli("check", str(pkg), "--dsn", million, "--out", str(tmp_path / "plain"))
    assert plain.returncode == 0, plain.stdout + plain.stderr  # without data checks: nothing is counted
    assert "--data-checks" in _summary(tmp_path / "plain")  # … and the kit says how to count them
    r = run_cli("check", str(pkg), "--dsn", million, "--data-checks", "--out", str(tmp_path / "kit"))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "3 rows share a key: (email)=(dup@example.com) ×3" in r.stdout
    assert (
        "2 rows are NULL: (id)=(10), (id)=(500000)" in r.stdout
        or "2 rows are NULL: (id)=(500000), (id)=(10)" in r.stdout
    )
    found = {(f["rule"], f["bundle"]): f for f in _findings(tmp_path / "kit")}
    assert found[("preflight.data.unique", "A")]["sqlstate"] == "23505"
    assert found[("preflight.data.not_null", "B")]["facts"]["rows"] == 2
    summary = _summary(tmp_path / "kit")
    assert "## Data checks" in summary and "| refused | 3 rows share a key |" in summary
    assert "## Lock impact" in summary


def test_a_backfill_earlier_makes_the_later_check_not_judged(million: str, tmp_path: Path) -> None:
    pkg = write_package(
        tmp_path / "pkg",
        [
            B("A", "UPDATE app_user SET age = 0 WHERE age IS NULL;\n", "SELECT 1;\n"),
            B(
                "B",
                "ALTER TABLE app_user ALTER COLUMN age SET NOT NULL;\n",
                "ALTER TABLE app_user ALTER COLUMN age DROP NOT NULL;\n",
            ),
        ],
        settings={"lock_timeout": "5s"},
    )
    r = run_cli("check", str(pkg), "--dsn", million, "--data-checks", "--out", str(tmp_path / "kit"))
    assert r.returncode == 0, r.stdout + r.stderr  # the NULLs are there now, but bundle A backfills them
    assert "not judged: depends on bundle A (A.sql:1)" in _summary(tmp_path / "kit")


def test_a_check_that_runs_out_of_time_is_not_judged_never_ok(million: str, tmp_path: Path) -> None:
    pkg = write_package(
        tmp_path / "pkg",
        [B("A", "CREATE UNIQUE INDEX app_user_email_key ON app_user (email);\n", "DROP INDEX app_user_email_key;\n")],
        extra="[policy]\ndata_checks = true\ndata_check_timeout = 0.001\n",
    )
    r = run_cli("check", str(pkg), "--dsn", million, "--out", str(tmp_path / "kit"))
    summary = _summary(tmp_path / "kit")
    assert "| not judged | not judged: timed out after 0.001 s |" in summary, summary
    assert r.returncode == 0  # not judged is not a refusal; the rehearsal still covers it


def test_lock_findings_are_graded_by_size(fresh_db: str, tmp_path: Path) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE small (id int PRIMARY KEY, v text); INSERT INTO small VALUES (1, 'a');"
            "CREATE TABLE big (id int PRIMARY KEY, v text);"
            "INSERT INTO big SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g; ANALYZE"
        )
    bundles = [
        B(
            "S",
            "ALTER TABLE small ADD COLUMN at timestamptz DEFAULT clock_timestamp();\n",
            "ALTER TABLE small DROP COLUMN at;\n",
        ),
        B(
            "G",
            "ALTER TABLE big ADD COLUMN at timestamptz DEFAULT clock_timestamp();\n",
            "ALTER TABLE big DROP COLUMN at;\n",
        ),
    ]
    quiet = write_package(tmp_path / "quiet", bundles, settings={"lock_timeout": "5s"})
    r = run_cli("check", str(quiet), "--dsn", fresh_db, "--out", str(tmp_path / "q"))
    assert r.returncode == 0, r.stdout  # 100 MB default: both tables are small, no finding at all
    assert not [f for f in _findings(tmp_path / "q") if f["rule"].startswith("preflight.lock")]
    assert "| rewrite | note |" in _summary(tmp_path / "q")
    strict = write_package(tmp_path / "strict", bundles, extra='[policy]\nmax_locked_bytes = "1 MB"\n')
    r = run_cli("check", str(strict), "--dsn", fresh_db, "--out", str(tmp_path / "s"))
    assert r.returncode == 1, r.stdout
    rules = {(f["rule"], f["bundle"], f["severity"]) for f in _findings(tmp_path / "s")}
    assert ("preflight.lock.rewrite", "G", "error") in rules
    assert not any(rule == "preflight.lock.rewrite" and b == "S" for rule, b, _ in rules)  # 8 kB: a note
    assert ("preflight.lock_timeout", "G", "warning") in rules and ("preflight.lock_timeout", "S", "warning") in rules
    summary = _summary(tmp_path / "s")
    assert summary.index("### Bundle G") < summary.index("### Bundle S")  # the longest hold first


def test_apply_preflight_refuses_on_data_and_touches_nothing(fresh_db: str, tmp_path: Path) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'a')")
    pkg = write_package(
        tmp_path / "pkg",
        [
            B("A", "CREATE TABLE marker (id int);\n", "DROP TABLE marker;\n"),
            B("B", "ALTER TABLE t ADD CONSTRAINT t_v_key UNIQUE (v);\n", "ALTER TABLE t DROP CONSTRAINT t_v_key;\n"),
        ],
        extra="[policy]\ndata_checks = true\n",
    )
    r = run_apply(pkg, fresh_db, tmp_path / "kit")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "2 rows share a key" in (tmp_path / "kit" / "SUMMARY.md").read_text(encoding="utf-8")
    assert not exists(fresh_db, "marker") and not exists(fresh_db, "pgwarden.ledger")
