"""run_preflight(): a whole package against the live catalog, bundle by bundle, read-only.

Every statement of every bundle is checked in manifest order against one state: the live snapshot
plus what earlier statements and bundles did. Each bundle's rollback file is checked against a copy of
the state right after its bundle applied (the state it would meet). The catalog is read in a few
batched queries inside one read-only transaction that is rolled back; nothing is executed.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import psycopg

from pgwarden.evidence.blocks import Block
from pgwarden.findings import Finding
from pgwarden.package.waivers import waive
from pgwarden.parsing.source import Statement, parse_source
from pgwarden.pg.conn import read_only
from pgwarden.preflight import engine, report
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.data.execute import DataCheckResult, Planned, run_checks
from pgwarden.preflight.data.execute import finding as data_finding
from pgwarden.preflight.data.plan import Planner
from pgwarden.preflight.data.report import data_section
from pgwarden.preflight.locks import sizes as lock_sizes
from pgwarden.preflight.locks.grade import LockReport, StatementLocks, grade
from pgwarden.preflight.locks.report import locks_section
from pgwarden.preflight.locks.rules import LockTracker, statement_locks
from pgwarden.preflight.lookup import RELKIND_OBJECT
from pgwarden.preflight.model import CatalogState, Relation, Routine, Trigger
from pgwarden.preflight.prediction import Prediction
from pgwarden.preflight.resolve import Resolver
from pgwarden.preflight.sidecars import Sidecar, SidecarTarget, capture_sidecars, sidecars_section

if TYPE_CHECKING:
    from pgwarden.evidence.kit import EvidenceKit
    from pgwarden.package.manifest import Bundle, Package

_ROUTINE_KIND = {"f": "function", "w": "function", "p": "procedure", "a": "aggregate"}
_REL_KIND = {k: v for k, v in RELKIND_OBJECT.items() if v != "type"}  # a composite type has no sidecar


@dataclass(frozen=True)
class NotPredicted:
    bundle: str
    where: str  # "A.sql:12"
    statement: str  # its first line
    why: str


@dataclass
class Counts:
    """Per statement: refused, predicted to succeed, or not predicted ("rehearsal covers it")."""

    refused: int = 0
    predicted: int = 0
    not_predicted: list[NotPredicted] = field(default_factory=list)

    def add(self, p: Prediction, bundle: str, where: str, statement: str) -> None:
        if not p.ok:
            self.refused += 1
        elif p.predicted:
            self.predicted += 1
        else:
            why = p.unjudged or p.note or f"no rule for {p.kind}"
            self.not_predicted.append(NotPredicted(bundle, where, statement, why))


@dataclass(frozen=True)
class PreflightReport:
    findings: tuple[Finding, ...]
    sidecars: tuple[Sidecar, ...]
    blocks: tuple[Block, ...]  # the "Preflight", "Lock impact", "Data checks" and "Sidecars" sections
    statements: int = 0
    rollback_statements: int = 0
    seconds: float = 0.0
    targets: tuple[SidecarTarget, ...] = ()  # live objects the package replaces, alters or drops
    refused: int = 0  # statements: a refusal predicted
    predicted: int = 0  # statements: success predicted, every part judged
    not_predicted: tuple[NotPredicted, ...] = ()  # statements preflight cannot judge in full
    locks: LockReport | None = None  # lock impact of every statement, per bundle
    data_checks: bool = False  # the data checks ran
    data: tuple[DataCheckResult, ...] = ()  # their results (with data_checks)


@dataclass
class _Impact:
    """What the simulation collects beside the catalog predictions: locks and data checks per statement."""

    planner: Planner
    locks: LockTracker = field(default_factory=LockTracker)
    statements: list[StatementLocks] = field(default_factory=list)
    planned: list[Planned] = field(default_factory=list)
    package_lock_timeout: bool = False


@dataclass(frozen=True)
class _Parsed:
    bundle: Bundle
    apply: tuple[Statement, ...]
    rollback: tuple[Statement, ...]


def _parse(
    package: Package, sources: Mapping[str, Any] | None = None, only: Collection[str] | None = None
) -> list[_Parsed]:
    """Each bundle's statements: from ``sources`` (rel path -> parsed source, as check has them) or parsed here."""

    def stmts(path: Any, rel: str | None) -> tuple[Statement, ...]:
        if path is None or rel is None:
            return ()
        if sources is not None and rel in sources:
            return tuple(sources[rel].statements)
        return parse_source(package.sql_text(rel), rel).statements  # meta-commands are lint's findings

    return [
        _Parsed(b, stmts(b.apply, b.apply_rel), stmts(b.rollback, b.rollback_rel))
        for b in package.bundles
        if only is None or b.id in only
    ]


def _simulate(
    package: Package,
    parsed: list[_Parsed],
    cur: psycopg.Cursor[Any],
    counts: Counts | None = None,
    impact: _Impact | None = None,
) -> tuple[list[Finding], CatalogState]:
    state = engine.load_state(cur, [s.text for p in parsed for s in (*p.apply, *p.rollback)])
    path = (package.settings or {}).get("search_path")
    if path:  # the server is told only around each statement it describes (Resolver.describe)
        state.search_path_setting = str(path)
        state.live.search_path = str(path)
    ctx = Ctx(state, Resolver(cur, state))
    findings: list[Finding] = []
    for p in parsed:
        b = p.bundle
        state.local_search_path = state.local_role = None
        ctx.in_transaction_block = b.transaction  # a bundle is one transaction unless marked otherwise
        findings += _run(ctx, p.apply, b.id, b.apply_rel, "apply", counts, impact)
        if p.rollback and b.rollback_rel:
            twin = state.fork()
            twin.local_search_path = twin.local_role = None
            findings += _run(
                Ctx(twin, Resolver(cur, twin), in_transaction_block=b.transaction),
                p.rollback,
                b.id,
                b.rollback_rel,
                "rollback",
                counts,
            )
    return findings, state


def _run(
    ctx: Ctx,
    stmts: Sequence[Statement],
    bundle: str,
    rel: str,
    phase: str,
    counts: Counts | None = None,
    impact: _Impact | None = None,
) -> list[Finding]:
    out = []
    timeout_set = impact is not None and impact.package_lock_timeout
    for s in stmts:
        ctx.origin = f"bundle {bundle} ({rel}:{s.line})"
        ctx.source = s.text
        if impact is not None:  # judged against the state before the statement
            timeout_set = timeout_set or _sets_lock_timeout(s.node)
            locked = statement_locks(s.node, ctx, impact.locks)
            if locked:
                impact.statements.append(
                    StatementLocks(bundle, rel, s.line, s.col, s.first_line, tuple(locked), timeout_set)
                )
            path = tuple(ctx.state.effective_path())
            impact.planned += [
                Planned(bundle, rel, s.line, s.col, s.first_line, c, path) for c in impact.planner.plan(s.node, ctx)
            ]
        p = engine.check(s.node, ctx).with_index(s.index, engine.statement_kind(s.node))
        if impact is not None:
            impact.planner.note(s.node, ctx, f"bundle {bundle} ({rel}:{s.line})")
        if counts is not None:
            counts.add(p, bundle, f"{rel}:{s.line}", s.first_line)
        f = report.finding(p, bundle=bundle, file=rel, line=s.line, col=s.col, statement=s.first_line, phase=phase)
        if f is not None:
            out.append(f)
    return out


def _sets_lock_timeout(node: Any) -> bool:
    return type(node).__name__ == "VariableSetStmt" and str(getattr(node, "name", "")) == "lock_timeout"


def _targets(state: CatalogState) -> tuple[SidecarTarget, ...]:
    """Live objects the package replaces, alters or drops (whether or not the statement would succeed)."""
    out: list[SidecarTarget] = []
    for obj in state.acted_on.values():
        if obj.oid is None:
            continue
        if isinstance(obj, Routine):
            out.append(SidecarTarget(_ROUTINE_KIND.get(obj.kind, "function"), obj.schema, obj.signature, obj.oid))
        elif isinstance(obj, Relation):
            if obj.relkind in _REL_KIND:
                out.append(SidecarTarget(_REL_KIND[obj.relkind], obj.schema, obj.name, obj.oid))
        elif isinstance(obj, Trigger):
            out.append(SidecarTarget("trigger", obj.schema, f"{obj.name} ON {obj.table}", obj.oid))
    return tuple(out)


def sidecar_targets(package: Package, conn: psycopg.Connection[Any]) -> tuple[SidecarTarget, ...]:
    """The existing objects ``package`` replaces, alters or drops (worked out read-only)."""
    parsed = _parse(package)
    with read_only(conn) as cur:
        _findings, state = _simulate(package, parsed, cur)
        return _targets(state)


def run_preflight(
    package: Package,
    conn: psycopg.Connection[Any],
    kit: EvidenceKit | None = None,
    *,
    sources: Mapping[str, Any] | None = None,
    only: Collection[str] | None = None,
    capture: bool = True,
    data_checks: bool | None = None,
) -> PreflightReport:
    """Predict every refusal of ``package`` against the live catalog; with a kit, capture sidecars.

    ``sources`` (optional): the package's files already parsed by the caller, keyed by their path
    relative to the package (objects with ``.statements``, e.g. ``check``'s SqlSource map), so that a
    2,000-statement package is not parsed twice. ``only``: the bundles to check (apply checks the bundles
    still to run; the ones applied already are part of the live catalog). ``capture``: write sidecars into
    the kit (apply captures them in a gate of its own, from ``targets``). ``data_checks``: count the rows
    that would break each statement (default: ``[policy] data_checks``). Lock impact is always worked out.
    """
    t0 = time.monotonic()
    parsed = _parse(package, sources, only)
    counts = Counts()
    policy = package.policy
    run_data = policy.data_checks if data_checks is None else data_checks
    with read_only(conn) as cur:
        impact = _Impact(
            Planner(int(conn.info.server_version) // 10000),
            package_lock_timeout="lock_timeout" in (package.settings or {}),
        )
        findings, state = _simulate(package, parsed, cur, counts, impact)
        targets = _targets(state)
        sizes = lock_sizes.fetch(cur, [i.oid for st in impact.statements for i in st.impacts if i.oid is not None])
        lock_findings, locks = grade(impact.statements, sizes, policy.max_locked_bytes)
        data = run_checks(cur, impact.planned, policy.data_check_timeout) if run_data else []
        findings += lock_findings
        findings += [f for f in (data_finding(r) for r in data) if f is not None]
        findings = waive(package, findings, "preflight")
        findings.sort(key=lambda f: (f.bundle or "", f.file, f.line, f.col))
        server = (
            f"database {state.live.database}, PostgreSQL {state.live.server_version_num // 10000}, "
            f"role {state.live.current_user}"
        )
    sidecars = capture_sidecars(targets, conn, None, kit) if kit is not None and capture else ()
    n_apply = sum(len(p.apply) for p in parsed)
    n_rollback = sum(len(p.rollback) for p in parsed)
    blocks = report.preflight_blocks(
        findings,
        statements=n_apply,
        rollback_statements=n_rollback,
        bundles=len(parsed),
        server=server,
        sidecars=sidecars_section(sidecars) if kit is not None and capture else None,
        counts=(
            counts.refused,
            counts.predicted,
            [(n.bundle, n.where, n.statement, n.why) for n in counts.not_predicted],
        ),
        extra=(
            locks_section(locks),
            data_section(data, enabled=run_data, dependent=len(impact.planned), timeout_s=policy.data_check_timeout),
        ),
    )
    if kit is not None:
        kit.event(
            "preflight",
            statements=n_apply,
            rollback_statements=n_rollback,
            errors=sum(f.is_error for f in findings),
            sidecars=len(sidecars),
            refused=counts.refused,
            predicted=counts.predicted,
            not_predicted=len(counts.not_predicted),
            locked_relations=sum(len(st.impacts) for st in impact.statements),
            data_checks=len(data) if run_data else None,
        )
    return PreflightReport(
        tuple(findings),
        sidecars,
        blocks,
        n_apply,
        n_rollback,
        round(time.monotonic() - t0, 3),
        targets,
        counts.refused,
        counts.predicted,
        tuple(counts.not_predicted),
        locks,
        run_data,
        tuple(data),
    )
