"""The package prelude every package command runs first: load → integrity → parse → lint.

:func:`prepare` returns the prepared package: its in-memory sources, read once and checked against
``pgwarden.sum`` (what runs is that copy), every bundle file and probe parsed by PostgreSQL's grammar, the
policy lint's findings, its typed ``[verify]`` expectations (``Package.verify``, parsed at load) and its
``[vars]``. Any problem up to the parse is bad input (exit 2) before anything is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pgwarden.errors import BadInput, Place
from pgwarden.evidence.sums import SumEntry
from pgwarden.findings import Finding
from pgwarden.package.lint.places import probe_places
from pgwarden.package.lint.run import lint_package
from pgwarden.package.lock import verify_integrity
from pgwarden.package.manifest import MANIFEST, Package, load_package
from pgwarden.parsing.source import SqlSource, SqlSyntaxError, parse_source


@dataclass(frozen=True)
class Parsed:
    sources: dict[str, SqlSource]  # every bundle, rollback and verify file, by its path in the package
    probes: dict[str, SqlSource]  # every [[probe]], by name


@dataclass(frozen=True)
class Prepared:
    """A package ready to run: everything a package command needs before it connects."""

    pkg: Package
    pins: tuple[SumEntry, ...]  # pgwarden.sum, as verified against the bytes read
    parsed: Parsed
    findings: tuple[Finding, ...]  # the policy lint's

    @property
    def sources(self) -> dict[str, SqlSource]:
        return self.parsed.sources


def prepare(package_dir: Path, *, placeholders: bool = False) -> Prepared:
    """Load, check integrity, parse and lint the package at ``package_dir``. ``placeholders``: a secret [vars]
    value that is not available here is parsed as a stand-in (an offline check)."""
    pkg = load_package(package_dir)
    pins = verify_integrity(pkg)
    parsed = parse_package(pkg, placeholders=placeholders)
    findings = lint_package(pkg, parsed.sources, parsed.probes, probe_places(pkg))
    return Prepared(pkg, tuple(pins), parsed, tuple(findings))


def parse_package(pkg: Package, *, placeholders: bool = False) -> Parsed:
    """Parse every bundle file and probe; all syntax errors at once, as one :class:`BadInput`. The bytes
    parsed are the bytes the package was loaded (and its integrity checked) with."""
    errors: list[str] = []
    located: list[Place] = []
    sources: dict[str, SqlSource] = {}
    for b in pkg.bundles:
        for rel in (b.apply_rel, b.rollback_rel, b.verify_rel):
            if rel is None:
                continue
            try:
                sources[rel] = parse_source(pkg.sql_text(rel, placeholders=placeholders), rel)
            except BadInput as exc:
                errors.append(exc.message)
                located.extend(exc.places)
    places = probe_places(pkg)
    probes: dict[str, SqlSource] = {}
    for p in pkg.probes:
        try:
            probes[p.name] = parse_source(p.sql, MANIFEST)
        except SqlSyntaxError as exc:
            off = sum(len(x) + 1 for x in p.sql.split("\n")[: exc.line - 1]) + exc.col - 1
            line, col = places[p.name](off)
            errors.append(f"{MANIFEST}:{line}:{col}: probe {p.name!r}: {exc.pg_message}")
            located.append(Place(MANIFEST, line, col, errors[-1]))
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise BadInput(errors[0] + more, details=errors[1:], places=located)
    return Parsed(sources, probes)
