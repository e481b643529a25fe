"""``pgwarden demo``: both seed stories end to end on embedded PostgreSQL, exit 0, kits left behind and valid."""

from __future__ import annotations

import json
from pathlib import Path

from pgwarden.evidence.verify import verify_kit
from tests.conftest import result_of


def test_demo(cli, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    r = cli("demo", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    res = result_of(r)
    assert res["verdict"] == "PASS"
    part = res["parts"][0]
    assert part["name"] == "seed-001" and part["verdict"] == "PASS"
    assert part["facts"]["production_untouched"] == "YES"
    assert part["facts"]["production_untouched_across_backup_and_verify"] == "YES"
    for kit in part["kits"]:
        assert Path(kit).is_relative_to(out) and verify_kit(Path(kit)).ok
        assert f"kit: {kit}" in r.stderr
    summary = (Path(part["kit"]) / "SUMMARY.md").read_text()
    for needle in ("`cutter_governance.canonical_address_alias`", "| count `public.tac_logical_unit where "
                   "authority = 'draft'` | 86 | 86 | PASS |", "directus (NOLOGIN", "production untouched: YES",
                   "backup_verification_status = PASS"):
        assert needle in summary, needle
    assert (out / "1-backup-verification" / "expectations.toml").is_file()
    _assert_seed000(res["parts"][1])


def _assert_seed000(part: dict) -> None:  # type: ignore[type-arg]
    """Seed 000: bundle E's dropped DEFAULT is refused at preflight; the fixed package passes; prod untouched."""
    assert part["name"] == "seed-000"
    assert part["verdict"] == "PASS"
    assert part["facts"]["fixed (default kept)"] == "PASS"
    assert part["facts"]["production_untouched"] == "YES"
    assert "HINT: Use DROP FUNCTION fn_iu_apply_edit_draft(uuid,text,text) first." in part["facts"]["as authored"]
    authored = json.loads((Path(part["kits"][0]) / "run.json").read_text())
    assert authored["status"] == "FAIL"
    assert [(g["name"], g["status"]) for g in authored["gates"]] == [
        ("identity", "PASS"), ("integrity", "PASS"), ("policy", "PASS"), ("preflight", "FAIL")]
    (finding,) = authored["result"]["findings"]
    assert (finding["bundle"], finding["rule"], finding["sqlstate"]) == ("E", "preflight.replace.defaults_removed",
                                                                        "42P13")
    assert finding["facts"]["full_args"].endswith("p_review_note text DEFAULT NULL::text")
    assert "keep `p_review_note text DEFAULT NULL::text`" in finding["fix"]
    fixed = json.loads((Path(part["kits"][1]) / "run.json").read_text())
    assert fixed["status"] == "PASS"
    for kit in part["kits"]:
        assert verify_kit(Path(kit)).ok

