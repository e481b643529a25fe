"""Sqitch-style verify scripts (``[[bundle]] verify = "verify/x.sql"``): after the bundle applies, each of the
file's statements must run without error; they run as rollback-only probes do (a transaction, or a
savepoint on the clone, that is always rolled back), so a verify script changes nothing."""

from __future__ import annotations

from pgwarden.package.manifest import Bundle, Package, ProbeSpec
from pgwarden.parsing.source import parse_sql


def verify_probes(pkg: Package, b: Bundle) -> tuple[ProbeSpec, ...]:
    """The bundle's verify statements as probes that expect success, named ``verify FILE:LINE``."""
    if not b.verify_rel:
        return ()
    stmts = parse_sql(pkg.sql_text(b.verify_rel), b.verify_rel)
    return tuple(ProbeSpec(f"verify {b.verify_rel}:{s.line}", b.id, s.text, None, None) for s in stmts)


def probes_after(pkg: Package, b: Bundle) -> tuple[ProbeSpec, ...]:
    """Every probe that runs after ``b``: the manifest's rollback-only probes, then its verify script."""
    return (*(p for p in pkg.probes if p.after == b.id), *verify_probes(pkg, b))
