"""The whole backup pipeline on the real-world fixture (Pagila plus a generated multi-tenant schema with
1,700 TOC entries: partitions, RLS policies with roles, non-superuser owners, column grants, an event
trigger, a publication, casts and domains), on PostgreSQL 15 and 18: backup, then verify-backup with no
expectations PASSes against the source record; a flipped byte and a truncation of the pinned dump FAIL
(exit 1); a restore that lost a constraint, a column grant, a policy and a row FAILs naming each."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import conninfo

from tests import _realworld
from tests._backup_helpers import flipped_copy, raw_dump, truncated_copy
from tests.conftest import Server, result_of


@dataclass(frozen=True)
class Backed:
    rw: _realworld.RealWorld
    dsn: str
    kit: Path
    dump: Path
    result: dict[str, Any]


@pytest.fixture(scope="module")
def backed(pg_server: Server, tmp_path_factory: pytest.TempPathFactory, cli) -> Iterator[Backed]:
    rw = _realworld.build(pg_server.dsn(), dbname=f"realworld_pipeline_{pg_server.major}")
    dsn = conninfo.make_conninfo(pg_server.dsn(), dbname=rw.dbname)
    kit = tmp_path_factory.mktemp("rw") / "kit"
    r = cli("backup", "--dsn", dsn, "--out", str(kit), "--json")
    assert r.returncode == 0, r.stderr
    res = result_of(r)
    yield Backed(rw, dsn, kit, Path(res["dump_path"]), res)
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{rw.dbname}" WITH (FORCE)')


@pytest.fixture(scope="module")
def cli():  # module scope for the fixture above; the same runner as conftest's
    from tests.conftest import run_cli

    return run_cli


def _verify(cli, dump: Path, out: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    r = cli("verify-backup", str(dump), "--out", str(out), "--json", *extra)
    return r.returncode, json.loads(r.stdout)


def test_faithful_restore_passes_without_expectations(backed: Backed, cli, tmp_path: Path) -> None:
    assert backed.result["toc_entries"] >= 1000, backed.result["toc_entries"]
    rc, env = _verify(cli, backed.dump, tmp_path / "v")
    res = env["result"]
    assert rc == 0, res["reasons"]
    fid = res["fidelity"]
    assert fid["source_entries"] > 2000 and fid["rows_compared"] > 100, fid
    assert all(d["expected"] for d in fid["differences"]), [d for d in fid["differences"] if not d["expected"]]
    created = {x["name"] for x in res["roles"] if x["created"]}
    assert set(backed.rw.roles) <= created and all(n.startswith("rw_") for n in created), created
    assert not res["restore"]["errors"], res["restore"]["errors"]
    assert res["completeness"]["missing"] == [] and res["completeness"]["in_dump"] > 1500


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_damaged_pinned_dump_fails(backed: Backed, cli, tmp_path: Path, damage: str) -> None:
    kit = tmp_path / "kit"
    shutil.copytree(backed.kit, kit)
    dump = kit / "dump" / backed.dump.name
    orig = tmp_path / "orig.dump"
    shutil.move(dump, orig)
    (flipped_copy if damage == "flip" else truncated_copy)(orig, dump)
    rc, env = _verify(cli, dump, tmp_path / "v")
    assert rc == 1 and env["status"] == "FAIL", env
    assert any("hash mismatch" in x for x in env["result"]["reasons"]), env["result"]["reasons"]


def test_unpinned_truncated_dump_fails(backed: Backed, cli, tmp_path: Path) -> None:
    bad = truncated_copy(backed.dump, tmp_path / "loose.dump", keep=0.5)
    rc, env = _verify(cli, bad, tmp_path / "v")
    assert rc == 1 and env["status"] == "FAIL", env
    assert any("truncated" in x or "ends early" in x for x in env["result"]["reasons"]), env["result"]["reasons"]


def test_lossy_restore_names_each_loss(pg_server: Server, backed: Backed, cli, tmp_path: Path) -> None:
    """A copy of the database that lost one FK, one column grant, one policy and one row, dumped raw and
    checked against the source record of the faithful backup: FAIL, each loss named."""
    rw = backed.rw
    copy = f"{rw.dbname}_lossy"
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{rw.dbname}"')
    dsn = conninfo.make_conninfo(pg_server.dsn(), dbname=copy)
    table, fk = rw.fk
    gtable, gcol, grantee = rw.column_grant
    ptable, policy = rw.policy
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {fk}")
            conn.execute(f"REVOKE SELECT ({gcol}) ON {gtable} FROM {grantee}")
            conn.execute(f"DROP POLICY {policy} ON {ptable}")
            conn.execute(f"DELETE FROM {rw.row_table} WHERE ctid = (SELECT min(ctid) FROM {rw.row_table})")
        lossy = raw_dump(pg_server.bins, dsn, tmp_path / "lossy.dump")
        rc, env = _verify(cli, lossy, tmp_path / "v", "--source", str(backed.kit / "probes/source.json"))
        res = env["result"]
        assert rc == 1, res["reasons"]
        lines = [d["line"] for d in res["fidelity"]["differences"] if not d["expected"]]
        wanted = [
            f"- constraint {table}.{fk}:",
            f"- grant SELECT ({gcol}) ON {gtable} TO {grantee}: missing after the restore",
            f"- policy {ptable}.{policy}:",
            f"~ rows {rw.row_table}:",
            "~ rows rw_ops.ddl_log: 0 in the source, 1 after",
        ]  # the fixture's event trigger logged the ALTER
        for w in wanted:
            assert any(w in x for x in lines), (w, lines)
        assert len(lines) == len(wanted), lines
    finally:
        with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
