"""What DROP COLUMN drops without naming it (issue 22's first false alarm): the indexes that use the column, the
constraints on it and the index behind each, the sequences it owns. Re-creating one of them by name afterwards is
valid, and preflight must say so; an object the column does not reach still collides. Each case is run on the
server first (rolled back) and preflight must agree with what the server said."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests._apply_helpers import B, write_package
from tests.conftest import result_of, run_cli


def server_says(dsn: str, bundles: list[B]) -> str | None:
    """The SQLSTATE of the first statement the server refuses, running every bundle in order (rolled back)."""
    with psycopg.connect(dsn) as conn:
        try:
            for b in bundles:
                conn.execute(b.apply)
        except psycopg.Error as exc:
            return exc.diag.sqlstate
        finally:
            conn.rollback()
    return None


def preflight_says(tmp_path: Path, dsn: str, bundles: list[B]) -> list[str | None]:
    pkg = write_package(tmp_path / "pkg", bundles)
    assert run_cli("lock", str(pkg)).returncode == 0
    r = run_cli("check", str(pkg), "--dsn", dsn, "--no-kit", "--json")
    return [
        f["sqlstate"]
        for f in result_of(r)["findings"]
        if f["rule"].startswith("preflight") and f["severity"] == "error"
    ]


def agree(tmp_path: Path, dsn: str, bundles: list[B]) -> str | None:
    said = server_says(dsn, bundles)
    predicted = preflight_says(tmp_path, dsn, bundles)
    assert predicted == ([] if said is None else [said]), (said, predicted)
    return said


def test_an_index_dropped_with_its_column_can_be_made_again_by_name(fresh_db: str, tmp_path: Path) -> None:
    """The trial's reproduction, on an empty server: every bundle is the package's own."""
    bundles = [
        B(
            "1",
            "CREATE TABLE public.t (id int, k int);\nCREATE INDEX t_k_idx ON public.t (k);\n",
            "DROP TABLE public.t;\n",
        ),
        B("2", "ALTER TABLE public.t DROP COLUMN k;\n", "ALTER TABLE public.t ADD COLUMN k int;\n"),
        B(
            "3",
            "ALTER TABLE public.t ADD COLUMN k int;\nCREATE INDEX t_k_idx ON public.t (k);\n"
            "CREATE INDEX t_k_expr ON public.t ((k + 1)) WHERE id > 0;\n",
            "ALTER TABLE public.t DROP COLUMN k;\n",
        ),
        B("4", "ALTER TABLE public.t DROP COLUMN k;\nCREATE INDEX t_k_expr ON public.t (id);\n", None),
    ]
    assert agree(tmp_path, fresh_db, bundles) is None


def test_what_a_live_column_takes_with_it_follows_pg_depend(fresh_db: str, tmp_path: Path) -> None:
    """On the live catalog: an INCLUDE index, a partial index, a CHECK constraint, a primary key and its index,
    and a serial's sequence all go with their column; each name is free again."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE public.t (id int CONSTRAINT t_pkey PRIMARY KEY, k int CONSTRAINT t_k_check CHECK (k > 0), "
            "s serial); CREATE INDEX t_k_inc ON public.t (id) INCLUDE (k); "
            "CREATE INDEX t_k_part ON public.t (id) WHERE k > 0"
        )
    bundles = [
        B(
            "1",
            "ALTER TABLE public.t DROP COLUMN k;\n"
            "ALTER TABLE public.t ADD CONSTRAINT t_k_check CHECK (id > 0);\n"
            "CREATE INDEX t_k_inc ON public.t (id);\nCREATE INDEX t_k_part ON public.t (id);\n"
            "ALTER TABLE public.t DROP COLUMN s;\nCREATE SEQUENCE public.t_s_seq;\n"
            "ALTER TABLE public.t ADD COLUMN v int;\nALTER TABLE public.t DROP COLUMN id;\n"
            "CREATE INDEX t_pkey ON public.t (v);\n",
            None,
        )
    ]
    with psycopg.connect(fresh_db) as conn:  # the sequence is the column's: without it, this case proves nothing
        assert conn.execute("SELECT pg_get_serial_sequence('public.t', 's')").fetchone() == ("public.t_s_seq",)
    assert agree(tmp_path, fresh_db, bundles) is None


@pytest.mark.parametrize("live", [True, False], ids=["live", "package"])
def test_an_index_the_column_does_not_reach_still_collides(fresh_db: str, tmp_path: Path, live: bool) -> None:
    """Sentinel: dropping k leaves the index on id in place; re-using its name is 42P07, predicted."""
    setup = "CREATE TABLE public.t2 (id int, k int);\nCREATE INDEX t2_id_idx ON public.t2 (id, (id + 1));\n"
    bundles = [B("2", "ALTER TABLE public.t2 DROP COLUMN k;\nCREATE INDEX t2_id_idx ON public.t2 (id);\n", None)]
    if live:
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            conn.execute(setup)
    else:
        bundles.insert(0, B("1", setup, "DROP TABLE public.t2;\n"))
    assert agree(tmp_path, fresh_db, bundles) == "42P07"
