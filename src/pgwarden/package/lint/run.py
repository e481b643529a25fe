"""Running the policy lint: every rule family over every unit of SQL a package contains.

Rule families live in their own modules (:mod:`.txn`, :mod:`.forbid`, :mod:`.calls`,
:mod:`.protected`, :mod:`.rollback`, :mod:`.psql`); :func:`lint_package` runs them in manifest order
and returns the findings sorted by file and position.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pgwarden.findings import Finding
from pgwarden.package.lint import calls, forbid, protected, psql, rollback, txn
from pgwarden.package.lint.context import Ctx
from pgwarden.package.lint.units import FileUnits, extract
from pgwarden.package.manifest import MANIFEST, Package
from pgwarden.package.waivers import waive
from pgwarden.parsing.source import SqlSource
from pgwarden.parsing.walk import DEFAULT_SEARCH_PATH, parse_search_path
from pgwarden.rules import Rule

Place = Callable[[int], tuple[int, int]]


def base_search_path(pkg: Package) -> tuple[str, ...]:
    """The search_path every bundle starts with: ``[settings] search_path`` or PostgreSQL's default."""
    for key, value in pkg.settings.items():
        if key.lower() == "search_path":
            return parse_search_path(value) or DEFAULT_SEARCH_PATH
    return DEFAULT_SEARCH_PATH


def _file_rules(ctx: Ctx, fu: FileUnits, src: SqlSource, *, bundle: str, role: str, transaction: bool) -> None:
    psql.check_file(ctx, src, bundle=bundle)
    psql.check_bodies(ctx, fu)
    if not src.statements:
        rule = Rule.BUNDLE_EMPTY if role == "apply" else Rule.ROLLBACK_EMPTY
        hint = "" if role == "apply" else '; if the bundle cannot be undone, say rollback = "none" with a reason'
        ctx.report_at(rule, bundle, src.rel, (1, 1), "", f"{src.rel} contains no SQL statement{hint}")
    for u in fu.units:
        txn.check_unit(ctx, u, transaction)
        forbid.check_unit(ctx, u)
        calls.check_unit(ctx, u)
        protected.check_unit(ctx, u)
        psql.check_unit(ctx, u)
    txn.check_file(ctx, src, fu.units, bundle=bundle, role=role, transaction=transaction)


def lint_package(
    pkg: Package, sources: Mapping[str, SqlSource], probes: Mapping[str, SqlSource], places: Mapping[str, Place]
) -> list[Finding]:
    """All findings for a parsed package. ``sources`` maps file paths (as in the manifest) to parses."""
    ctx = Ctx(pkg)
    names = ctx.policy_names()
    path = base_search_path(pkg)
    extracted: list[tuple[str, FileUnits, FileUnits | None, rollback.Touched]] = []
    for b in pkg.bundles:  # first pass: what each bundle creates (and the functions calls resolve to)
        fa = extract(sources[b.apply_rel], bundle=b.id, role="apply", search_path=path, names=names)
        fr = (
            extract(sources[b.rollback_rel], bundle=b.id, role="rollback", search_path=path, names=names)
            if b.rollback_rel
            else None
        )
        extracted.append((b.id, fa, fr, rollback.touched_by(ctx, fa.units)))
    creates = {c for *_rest, touched in extracted for c in touched.created}
    for b, (_bid, fa, fr, touched) in zip(pkg.bundles, extracted, strict=True):
        _file_rules(ctx, fa, sources[b.apply_rel], bundle=b.id, role="apply", transaction=b.transaction)
        if fr is not None and b.rollback_rel:
            _file_rules(ctx, fr, sources[b.rollback_rel], bundle=b.id, role="rollback", transaction=b.transaction)
            rollback.check_rollback(ctx, b.id, touched, fr.units, creates)
    for p in pkg.probes:  # rollback-only probes: they may write, but follow forbid_calls
        src = probes[p.name]
        fu = extract(src, bundle=p.after, role="probe", search_path=path)
        for u in fu.units:
            u.place = places.get(p.name)
            txn.check_unit(ctx, u, True)
            calls.check_unit(ctx, u)
        psql.check_probe(ctx, p.name, p.after, src, places.get(p.name))
    for b in pkg.bundles:  # verify scripts run as rollback-only probes do
        if b.verify_rel:
            for u in extract(sources[b.verify_rel], bundle=b.id, role="probe", search_path=path).units:
                calls.check_unit(ctx, u)
    order = {rel: i for i, rel in enumerate(pkg.named_files())}
    order[MANIFEST] = len(order)
    findings = waive(pkg, ctx.findings, "lint")
    return sorted(findings, key=lambda f: (order.get(f.file, len(order)), f.line, f.col, f.rule))
