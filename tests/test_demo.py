"""``pgwarden demo``: both seed stories end to end on embedded PostgreSQL, in the order they happened: seed 000's
change with apply (refused at preflight, a failure rolled back, a broken rollback caught at rehearsal, the fix
applied), then seed 001's post-change
backup verification on the changed database. Exit 0, kits left behind and valid."""

from __future__ import annotations

from pathlib import Path

from pgwarden.evidence.verify import verify_kit
from tests.conftest import result_of


def test_demo(cli, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    r = cli("demo", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    res = result_of(r)
    assert res["verdict"] == "PASS"
    s000, s001 = res["parts"]
    assert s000["name"] == "seed-000" and s000["verdict"] == "PASS"
    facts = s000["facts"]
    assert facts["(a) as authored"].startswith("FAIL at preflight, before bundle A")
    assert "cannot remove parameter defaults from existing function" in facts["(a) as authored"]
    assert "production untouched: YES" in facts["(a) as authored"]
    assert "bundle E failed" in facts["(b) data-dependent E"] and "SQLSTATE 23505" in facts["(b) data-dependent E"]
    assert "rolled back D, C, B, A; production equals probe-before: YES" in facts["(b) data-dependent E"]
    forgot = facts["(c) B.rollback.sql forgets the trigger"]
    assert forgot.startswith("FAIL at rehearsal, before production was touched")
    assert "trigger trg_iu_lifecycle_log_immutable" in forgot and "production untouched: YES" in forgot
    assert facts["(d) fixed"] == "PASS, rehearsed first; status: A, B, C, D, E applied"
    b_summary = (out / "1-seed000-apply" / "b-apply" / "SUMMARY.md").read_text()
    assert "Production equals probe-before: **YES**" in b_summary and "TXN-5: Bundle E" in b_summary
    assert s001["name"] == "seed-001" and s001["verdict"] == "PASS"
    assert s001["facts"]["production_untouched"] == "YES"
    assert s001["facts"]["production_untouched_across_backup_and_verify"] == "YES"
    for kit in [*s000["kits"], *s001["kits"]]:
        assert Path(kit).is_relative_to(out) and verify_kit(Path(kit)).ok
        assert f"kit: {kit}" in r.stderr
    summary = (Path(s001["kit"]) / "SUMMARY.md").read_text()
    for needle in (
        "`cutter_governance.canonical_address_alias`",
        "| count `public.tac_logical_unit where authority = 'draft'` | 86 | 86 | PASS |",
        "directus (NOLOGIN",
        "production untouched: YES",
        "backup_verification_status = PASS",
        "`public.iu_lifecycle_log`",
    ):
        assert needle in summary, needle
    assert (out / "2-seed001-backup-verification" / "expectations.toml").is_file()
