"""Expectations: parsing (every bad input names file and key path) and checking on a live database."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from pgwarden.errors import BadInput
from pgwarden.expect.expectations import check_live
from pgwarden.expect.model import CheckKind, load_expectations, parse_expectations
from tests._backup_helpers import EXPECT_TOML, populate


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "expect.toml"
    p.write_text(text)
    return p


def test_parses_the_design_example(tmp_path: Path) -> None:
    exp = load_expectations(_write(tmp_path, EXPECT_TOML))
    assert exp.tables == ("public.unit", "gov.alias")
    assert exp.counts[0].where == "authority = 'draft'" and exp.counts[0].equals == 40
    assert exp.values[0].name == "max_updated_at"


# Bad expectations files and what the loader says about each (tests/test_schemas.py checks the schema on them too).
BAD_EXPECTATIONS = [
    ("tabels = []", "unknown key 'tabels'"),
    ("tables = 'public.t'", "tables must be a list of strings, got string"),
    ("tables = [1]", "tables[0] must be a string, got integer"),
    ("[[count]]\ntable = 't'\nequals = '86'", "count[0].equals: must be an integer, got string"),
    ("[[count]]\ntable = 't'\nequals = 1\nwehre = 'x'", "count[0]: unknown key 'wehre'"),
    ("[[value]]\nname = 'v'\nsql = 'select 1'\nequals = 1", "value[0].equals: must be a string, got integer"),
    ("[[value]]\nname = 'v'\nsql = 'delete from t'\nequals = '1'", "value[0].sql: must be a SELECT"),
    (
        "[[value]]\nname = 'v'\nsql = 'with d as (delete from t returning 1) select 1'\nequals = '1'",
        "data-modifying DELETE",
    ),
    ("[[value]]\nname = 'v'\nsql = 'select 1; select 2'\nequals = '1'", "exactly one SELECT"),
    ("[[value]]\nname = 'v'\nsql = 'selec 1'\nequals = '1'", "SQL syntax error"),
    ("[[count]]\ntable = 't'\nwhere = 'a = 1; drop table t'\nequals = 1", "count[0].where"),
    ("columns = ['t']", "expected schema.table.name"),
    ("functions = ['public.f(']", "is not a function signature"),
    ("tables = ['public.t where false']", "tables[0]: 'public.t where false' is not a plain dotted name"),
    ('tables = ["a\\u0000b"]', "NUL byte"),
    ('[[value]]\nname = "v"\nsql = "select 1\\u0000; delete from t"\nequals = "1"', "syntax error: NUL"),
    ("[[value]]\nname = 'v'\nsql = 'select * from t for update'\nequals = '1'", "takes row locks"),
]


@pytest.mark.parametrize(("text", "message"), BAD_EXPECTATIONS)
def test_bad_expectations_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(BadInput) as err:
        load_expectations(path)
    assert message in err.value.message and str(path) in err.value.message


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"expect.toml:2:14: invalid TOML: Invalid value"):
        load_expectations(_write(tmp_path, "tables = []\nschemas = [1,,]\n"))
    with pytest.raises(BadInput, match="expectations file not found"):
        load_expectations(tmp_path / "nope.toml")
    with pytest.raises(BadInput, match="invalid TOML: arrays or tables nested too deeply"):
        load_expectations(_write(tmp_path, "a = " + "[" * 50000 + "]" * 50000))
    with pytest.raises(BadInput, match="is a directory, expected the expectations file"):
        load_expectations(tmp_path)


def test_check_live(fresh_db: str) -> None:
    populate(fresh_db)
    exp = parse_expectations(
        {
            "tables": ["public.unit", "public.nope"],
            "columns": ["public.unit.authority", '"public".unit.missing_col'],
            "functions": ["gov.fn_enact(uuid, text, boolean)", "gov.fn_enact", "gov.fn_enact(uuid)"],
            "types": ["gov.state"],
            "views": ["public.unit_drafts"],
            "triggers": ["gov.alias.trg_guard"],
            "count": [
                {"table": "public.unit", "where": "authority = 'draft'", "equals": 40},
                {"table": "public.unit", "where": "no_such_column = 1", "equals": 1},
            ],
            "value": [
                {
                    "name": "max",
                    "sql": "select max(updated_at) from public.unit",
                    "equals": "2026-05-16 02:27:26.789235+00",
                },
                {"name": "two_rows", "sql": "select 1 union all select 2", "equals": "1"},
            ],
        },
        "inline",
    )
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        results = {(r.kind, r.name): r for r in check_live(conn, exp)}
        # nothing was left open or changed by the checks
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    ok = {k for k, r in results.items() if r.ok}
    assert ok == {
        ("table", "public.unit"),
        ("column", "public.unit.authority"),
        ("function", "gov.fn_enact(uuid, text, boolean)"),
        ("function", "gov.fn_enact"),
        ("type", "gov.state"),
        ("view", "public.unit_drafts"),
        ("trigger", "gov.alias.trg_guard"),
        ("count", "public.unit where authority = 'draft'"),
        ("value", "max"),
    }
    failing = results[(CheckKind.COUNT, "public.unit where no_such_column = 1")]
    assert not failing.ok and 'column "no_such_column" does not exist' in (failing.error or "")
    assert "42703" in (failing.error or "")
    assert "returned 2 row(s)" in (results[(CheckKind.VALUE, "two_rows")].error or "")
