"""Demo story, seed 000 (M3a execution), told as it happened, with ``pgwarden apply``.

An embedded "production" holds the live ``fn_iu_apply_edit_draft(..., p_review_note text DEFAULT NULL::text)``.

- (a) The package as authored: apply refuses it at preflight, before bundle A: bundle E's header drops the
  live DEFAULT, which PostgreSQL would refuse. Nothing is changed; there is not even a ledger.
- (b) A bundle E whose failure preflight cannot foresee (a UNIQUE index over duplicate rows): apply runs
  A–D, E fails, A–D are rolled back in reverse by their approved rollback files, and production equals
  its probe from before the run.
- (c) A variant whose ``B.rollback.sql`` forgets to drop the trigger: the rehearsal (gate 6, on a
  throwaway clone) proves that rollback fails, naming the trigger, before production is touched.
- (d) The fixed package applies, rehearsed first; ``status`` shows A–E applied.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import resources
from pathlib import Path

from pgwarden.apply.apply import apply
from pgwarden.apply.options import Options
from pgwarden.demo.parts import DemoPart
from pgwarden.evidence.gates import GateStatus, Verdict
from pgwarden.ledger.ledger import BundleState
from pgwarden.ledger.status import status
from pgwarden.package.lock import lock
from pgwarden.probe.fingerprint import diff_fingerprints
from pgwarden.probe.probe import fingerprint_dsn
from pgwarden.progress import Reporter

PACKAGE = resources.files("pgwarden.demo").joinpath("packages", "seed000")
_E_FIXED_HEADER = (
    "CREATE OR REPLACE FUNCTION public.fn_iu_apply_edit_draft(p_draft_id uuid, p_actor text, "
    "p_review_note text DEFAULT NULL::text)"
)
_UNIQUE = (
    "\n-- A data-dependent failure: every production row has state 'draft'. Preflight cannot see rows.\n"
    "CREATE UNIQUE INDEX information_unit_state_key ON public.information_unit (state);\n"
)


def production_sql() -> str:
    return PACKAGE.joinpath("production.sql").read_text(encoding="utf-8")


def _copy_package(dest: Path) -> Path:
    """The shipped seed-000 package, without the production setup file."""
    dest.mkdir(parents=True)
    for item in PACKAGE.iterdir():
        if item.name.endswith((".sql", ".toml")) and item.name != "production.sql":
            (dest / item.name).write_bytes(item.read_bytes())
    return dest


def _fix_bundle_e(pkg: Path, *, data_dependent: bool = False) -> None:
    e = pkg / "E.sql"
    lines = e.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if line.startswith("CREATE OR REPLACE FUNCTION"))
    lines[header] = _E_FIXED_HEADER + "\n"
    lines[0] = "-- Fixed: the header keeps the live `DEFAULT NULL::text`.\n"
    e.write_text("".join(lines) + (_UNIQUE if data_dependent else ""), encoding="utf-8")
    if data_dependent:
        rb = pkg / "E.rollback.sql"
        rb.write_text(
            rb.read_text(encoding="utf-8") + "\nDROP INDEX IF EXISTS public.information_unit_state_key;\n",
            encoding="utf-8",
        )


def _package(
    directory: Path, name: str, *, fixed: bool = False, data_dependent: bool = False, forget_trigger: bool = False
) -> Path:
    pkg = _copy_package(directory / name)
    if fixed or data_dependent or forget_trigger:
        _fix_bundle_e(pkg, data_dependent=data_dependent)
    if forget_trigger:
        rb = pkg / "B.rollback.sql"
        rb.write_text(
            "".join(
                line
                for line in rb.read_text(encoding="utf-8").splitlines(keepends=True)
                if not line.startswith("DROP TRIGGER")
            ),
            encoding="utf-8",
        )
    lock(pkg)
    return pkg


def seed000(directory: Path, *, step: str, reporter: Reporter, production: str) -> DemoPart:
    """Seed 000 with apply: refused at preflight; a data-dependent failure rolled back; the fix applied."""
    directory.mkdir(parents=True, exist_ok=True)
    reporter.step(f"demo {step}: seed 000, M3a execution, with pgwarden apply")
    before = fingerprint_dsn(production, rows="exact")
    opts = Options(dsn=production)  # every apply rehearses first (gate 6, schema-only clone)
    reporter.step("  (a) the package as authored")
    a = apply(_package(directory, "a-package-as-authored"), replace(opts, out=directory / "a-apply"), reporter)
    untouched_a = diff_fingerprints(before, fingerprint_dsn(production, rows="exact")).identical
    reporter.step("  (b) bundle E fails on production's data")
    b = apply(
        _package(directory, "b-package-data-dependent", data_dependent=True),
        replace(opts, out=directory / "b-apply"),
        reporter,
    )
    reporter.step("  (c) B.rollback.sql forgets to drop the trigger")
    before_c = fingerprint_dsn(production, rows="exact")
    r = apply(
        _package(directory, "c-package-rollback-forgets-trigger", forget_trigger=True),
        replace(opts, out=directory / "c-apply"),
        reporter,
    )
    untouched_c = diff_fingerprints(before_c, fingerprint_dsn(production, rows="exact")).identical
    reporter.step("  (d) the fixed package")
    c = apply(_package(directory, "d-package-fixed", fixed=True), replace(opts, out=directory / "d-apply"), reporter)
    st = status(production)
    applied = next((p.applied for p in st.packages if p.package == "m3a-lifecycle"), ())
    a_ok = (
        a.verdict == Verdict.FAIL
        and a.gate_status.get("preflight") == GateStatus.FAIL
        and untouched_a
        and all(x.outcome == "not reached" for x in a.bundles)
    )
    b_ok = (
        b.verdict == Verdict.FAIL
        and b.failed_bundle == "E"
        and b.rolled_back == ("D", "C", "B", "A")
        and b.equals_probe_before is True
    )
    caught = next((x for x in r.reasons if x.startswith("rehearsal: bundle B")), "")
    r_ok = (
        r.verdict == Verdict.FAIL
        and r.gate_status.get("rehearsal") == GateStatus.FAIL
        and "trigger trg_iu_lifecycle_log_immutable" in caught
        and untouched_c
        and r.gate_status.get("execute") == GateStatus.SKIPPED
    )
    c_ok = (
        c.verdict == Verdict.PASS
        and applied == ("A", "B", "C", "D", "E")
        and c.gate_status.get("rehearsal") == GateStatus.PASS
    )
    pre = next((f for f in (a.reasons or ())), "")
    facts = {
        "(a) as authored": f"{a.verdict} at preflight, before bundle A: {pre or 'NOT CAUGHT'}; "
        f"production untouched: {'YES' if untouched_a else 'NO'}",
        "(b) data-dependent E": f"{b.verdict}: bundle {b.failed_bundle} failed"
        + (f" ({b.failure.message}, SQLSTATE {b.failure.sqlstate})" if b.failure else "")
        + f"; rolled back {', '.join(b.rolled_back)}; production equals probe-before: "
        + ("YES" if b.equals_probe_before else "NO"),
        "(c) B.rollback.sql forgets the trigger": f"{r.verdict} at rehearsal, before production was touched: "
        f"{caught or 'NOT CAUGHT'}; production untouched: "
        f"{'YES' if untouched_c else 'NO'}",
        "(d) fixed": f"{c.verdict}, rehearsed first; status: {', '.join(applied)} {BundleState.APPLIED}",
    }
    ok = a_ok and b_ok and r_ok and c_ok
    kits = (a.kit, b.kit, r.kit, c.kit)
    return DemoPart(
        "seed-000",
        "apply: refused at preflight, a failure rolled back, a broken rollback caught at rehearsal, the fix applied",
        Verdict.PASS if ok else Verdict.FAIL,
        c.kit,
        kits,
        facts,
    )
