"""Demo story, seed 001: a fresh pinned backup, verified two ways in an isolated instance, production untouched.

It follows seed 000 on the same embedded "production", changed by that story's apply: the post-change
backup is verified against the seed's expectations and M3a's new objects, with production probed before
and after, and a protected server kept apart.
"""

from __future__ import annotations

from pathlib import Path

from pgwarden import shipped_sql
from pgwarden.backup.backup import backup
from pgwarden.backup.verify import verify_backup
from pgwarden.demo.parts import DemoPart, demo_binaries
from pgwarden.evidence.gates import Verdict
from pgwarden.instances.instance import ThrowawayInstance
from pgwarden.probe.fingerprint import diff_fingerprints
from pgwarden.probe.probe import fingerprint_dsn
from pgwarden.progress import Reporter

SEED001_EXPECTATIONS = """\
# Seed 001 §4 and §7: the phase-alpha objects, and the rows and values production holds.
schemas = ["public", "sandbox_tac", "cutter_governance"]
tables = ["cutter_governance.canonical_address_alias", "public.tac_logical_unit", "sandbox_tac.logical_unit",
          "public.iu_lifecycle_vocab", "public.iu_lifecycle_log"]  # the last two: seed 000's M3a, applied
columns = [
  "public.tac_logical_unit.authority",
  "public.tac_logical_unit.canonical_address_format_version",
  "sandbox_tac.logical_unit.authority",
  "sandbox_tac.logical_unit.canonical_address_format_version",
]
functions = ["cutter_governance.fn_alias_guard()", "public.fn_iu_enact(uuid, text, boolean)"]
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


def production_sql() -> str:
    return shipped_sql.load("pgwarden.demo", "seed001.sql")


def seed001(directory: Path, *, step: str, reporter: Reporter, production: str) -> DemoPart:
    """Seed 001: fresh pinned backup, verified two ways in an isolated instance, production untouched."""
    bins = demo_binaries()
    directory.mkdir(parents=True, exist_ok=True)
    expect = directory / "expectations.toml"
    expect.write_text(SEED001_EXPECTATIONS, encoding="utf-8")
    reporter.step(f"demo {step}: seed 001, post-change backup verification, on PostgreSQL {bins.version}")
    prod_dsn = production
    with ThrowawayInstance(bins) as dry_run_env:
        before = fingerprint_dsn(prod_dsn, rows="exact")
        b = backup(prod_dsn, out=directory / "backup", reporter=reporter)
        v = verify_backup(
            Path(b.dump_path),
            expect=expect,
            dsn=prod_dsn,
            protect=[dry_run_env.dsn()],
            out=directory / "verify-backup",
            reporter=reporter,
        )
        whole = diff_fingerprints(before, fingerprint_dsn(prod_dsn, rows="exact"))
    facts = {
        "dump": b.dump_path,
        "sha256": b.sha256,
        "toc_entries": str(b.toc_entries),
        "production_untouched": "YES" if v.production and v.production.untouched else "NO",
        "production_untouched_across_backup_and_verify": "YES" if whole.identical else "NO",
        "checks": f"{sum(c.ok for c in v.checks)}/{len(v.checks)} passed",
        "restore_server": v.server_choice or "",
    }
    verdict = v.verdict if whole.identical else Verdict.FAIL
    return DemoPart("seed-001", "post-change backup verification", verdict, v.kit, (b.kit, v.kit), facts)
