"""Demo part 2, seed 000: the ``CREATE OR REPLACE FUNCTION`` that drops a DEFAULT, caught before bundle A runs.

An embedded "production" holds the live ``fn_iu_apply_edit_draft(..., p_review_note text DEFAULT NULL::text)``.
The seed's package (bundles A–E in locked order) passes the offline integrity check, as it did for the
operator; ``check --dsn`` then predicts PostgreSQL's refusal of bundle E with its exact message and HINT,
with nothing executed. The package with the default kept passes. Production is probed before and after.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from pgwarden.demo.parts import DemoPart, demo_binaries
from pgwarden.evidence.gates import Verdict
from pgwarden.instances.instance import ThrowawayInstance
from pgwarden.package.check import check
from pgwarden.package.check_result import CheckResult
from pgwarden.package.lock import lock
from pgwarden.pg.conn import connection
from pgwarden.probe.fingerprint import diff_fingerprints
from pgwarden.probe.probe import fingerprint_dsn
from pgwarden.progress import Reporter

RULE = "preflight.replace.defaults_removed"
_E_FIXED_HEADER = ("CREATE OR REPLACE FUNCTION public.fn_iu_apply_edit_draft(p_draft_id uuid, p_actor text, "
                   "p_review_note text DEFAULT NULL::text)")


def _copy_package(dest: Path) -> Path:
    """The shipped seed-000 package, without the production setup file, locked."""
    src = resources.files("pgwarden.demo").joinpath("packages", "seed000")
    dest.mkdir(parents=True)
    for item in src.iterdir():
        if item.name.endswith((".sql", ".toml")) and item.name != "production.sql":
            (dest / item.name).write_bytes(item.read_bytes())
    return dest


def _fix_bundle_e(pkg: Path) -> None:
    e = pkg / "E.sql"
    lines = e.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if line.startswith("CREATE OR REPLACE FUNCTION"))
    lines[header] = _E_FIXED_HEADER + "\n"
    lines[0] = "-- Fixed: the header keeps the live `DEFAULT NULL::text`.\n"
    e.write_text("".join(lines), encoding="utf-8")


def _caught(result: CheckResult) -> str:
    hits = [f for f in result.findings if f.bundle == "E" and f.rule == RULE and f.is_error]
    return f"{hits[0].message} (HINT: {hits[0].hint})" if hits else ""


def seed000(directory: Path, *, step: str, reporter: Reporter) -> DemoPart:
    """Seed 000: bundle E's dropped DEFAULT is refused at preflight, read-only, before anything runs."""
    bins = demo_binaries()
    directory.mkdir(parents=True, exist_ok=True)
    reporter.step(f"demo {step}: seed 000 on PostgreSQL {bins.version} ({bins.source})")
    setup = resources.files("pgwarden.demo").joinpath("packages", "seed000", "production.sql").read_text()
    with ThrowawayInstance(bins) as production:
        with connection(production.dsn()) as conn:
            conn.execute("CREATE DATABASE directus")
        prod_dsn = production.dsn("directus")
        with connection(prod_dsn) as conn:
            conn.execute(setup)
        before = fingerprint_dsn(prod_dsn, rows="exact")
        authored = _copy_package(directory / "package-as-authored")
        lock(authored)
        first = check(authored, dsn=prod_dsn, out=directory / "check-as-authored", reporter=reporter)
        fixed = directory / "package-fixed"
        shutil.copytree(authored, fixed)
        _fix_bundle_e(fixed)
        lock(fixed)
        second = check(fixed, dsn=prod_dsn, out=directory / "check-fixed", reporter=reporter)
        untouched = diff_fingerprints(before, fingerprint_dsn(prod_dsn, rows="exact")).identical
    caught = _caught(first)
    ok = first.verdict == Verdict.FAIL and bool(caught) and second.verdict == Verdict.PASS and untouched
    facts = {
        "as authored": f"{first.verdict}: bundle E refused before bundle A ran: {caught or 'NOT CAUGHT'}",
        "fixed (default kept)": second.verdict,
        "production_untouched": "YES" if untouched else "NO",
    }
    kits = tuple(k for k in (first.kit, second.kit) if k)
    return DemoPart("seed-000", "preflight catches the dropped DEFAULT", Verdict.PASS if ok else Verdict.FAIL,
                    first.kit, kits, facts)
