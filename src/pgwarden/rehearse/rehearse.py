"""``pgwarden rehearse PACKAGE``: every bundle and every rollback proven on a throwaway clone of the target.

Read-only on the target. Gates: ``identity`` (the ``[target]`` guard), ``integrity`` (the package's pins;
the policy lint is recorded beside the rehearsal's findings, and does not stop it: the clone is
throwaway), ``ledger`` (the per-database lock, and which bundles the target has applied already: they are
the starting state, not rehearsed again), ``clone`` (schema only, ``--data``, or ``--from-backup``),
``rehearsal`` (the algorithm of :mod:`pgwarden.rehearse.rounds`: every broken bundle is reported, not
only the first) and ``teardown``.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg

from pgwarden.errors import BadInput
from pgwarden.evidence.blocks import Report
from pgwarden.evidence.gates import GateRunner, Verdict
from pgwarden.evidence.kit import EvidenceKit, check_out_dir
from pgwarden.expect.model import Expectations
from pgwarden.instances.instance import TeardownGate
from pgwarden.ledger import ledger
from pgwarden.ledger.plan import ledger_gate, make_plan
from pgwarden.package.integrity import integrity_gate
from pgwarden.package.manifest import Bundle, Package
from pgwarden.package.prelude import Prepared, prepare
from pgwarden.package.vars import pins as vars_pins
from pgwarden.pg import search_path
from pgwarden.pg.conn import connection, session_limits
from pgwarden.pg.guard import ServerIdentity, check_guard, identity_gate
from pgwarden.pg.identity import read_identity
from pgwarden.progress import SILENT, Reporter
from pgwarden.redact import redact_dsn
from pgwarden.rehearse.clone import Clone, CloneKind, make_clone
from pgwarden.rehearse.results import RehearseResult, rehearsal_gate
from pgwarden.rehearse.rounds import Outcome, Rehearsal

GATES = ("identity", "integrity", "ledger", "clone", "rehearsal", "teardown")


@contextlib.contextmanager
def _reader(clone: Clone) -> Iterator[psycopg.Connection[Any]]:
    """[verify] is user SQL: on the clone it runs as a role that reads every table and is not a superuser."""
    role = f"pgwarden_reader_{secrets.token_hex(4)}"
    with connection(clone.dsn) as admin:
        admin.execute(
            psycopg.sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER BYPASSRLS IN ROLE pg_read_all_data").format(
                psycopg.sql.Identifier(role)
            )
        )
    with connection(clone.reader_dsn(role)) as conn:
        yield conn


def rehearse_on_clone(
    clone: Clone,
    pkg: Package,
    bundles: list[Bundle],
    verify: Expectations | None,
    target_path: str,
    reporter: Reporter = SILENT,
) -> Outcome:
    """The algorithm on ``clone`` for ``bundles`` (apply's gate 6 calls this too). ``target_path``: the
    search_path the package's SQL runs under on the target (its [settings], else the target's default, which a
    single-database dump does not carry to the clone): the clone runs it under the same."""
    if not any(k.lower() == "search_path" for k in pkg.settings):
        pkg = replace(pkg, settings={**pkg.settings, "search_path": target_path})
    factory: Callable[[], Any] = lambda: _reader(clone)  # noqa: E731
    with connection(clone.dsn, application_name="pgwarden rehearsal") as conn:
        return Rehearsal(conn, pkg, reporter).run(bundles, verify, factory)


def rehearse(
    package_dir: Path,
    *,
    dsn: str | None,
    data: bool = False,
    from_backup: Path | None = None,
    out: Path | None = None,
    reporter: Reporter = SILENT,
) -> RehearseResult:
    check_out_dir(out)
    if data and from_backup is not None:
        raise BadInput("--data and --from-backup contradict each other; give one")
    kind = CloneKind.BACKUP if from_backup is not None else CloneKind.DATA if data else CloneKind.SCHEMA
    prep = prepare(package_dir)
    pkg, lint = prep.pkg, prep.findings
    t_all = time.monotonic()
    with connection(dsn, application_name="pgwarden rehearse") as conn:
        ident = read_identity(conn)
        kit = EvidenceKit.create(
            out,
            "rehearse",
            {
                "package": str(pkg.root),
                "dsn": redact_dsn(dsn),
                "clone": kind.value,
                "from_backup": str(from_backup) if from_backup else None,
            },
        )
        kit.environment.update(server=ident.as_dict(), session_limits=session_limits().__dict__)
        if pkg.vars:  # the [vars] values this run substituted: pinned by sha256, secrets never written
            kit.write_json("package/vars.json", vars_pins(pkg.vars))
        runner = GateRunner(kit, GATES, reporter)
        st: dict[str, Any] = {"applied": (), "outcome": None, "clone": None}

        def body() -> None:
            _body(runner, conn, ident, prep, kind, dsn, from_backup, st, kit, reporter)

        def finish(verdict: Verdict, error: BaseException | None) -> tuple[Report, object]:
            from pgwarden.rehearse.report import rehearse_report

            o: Outcome | None = st["outcome"]
            result = RehearseResult(
                str(kit.root),
                verdict,
                pkg.name,
                st["clone"],
                tuple(st["applied"]),
                tuple(o.rehearsed) if o else (),
                tuple(o.steps) if o else (),
                tuple(o.findings) if o else (),
                lint,
                o.fingerprints if o else 0,
                round(time.monotonic() - t_all, 3),
                {g.name: g.seconds for g in runner.records},
                tuple(o.unproven) if o else (),
            )
            st["result"] = result
            return rehearse_report(result, runner.records, pkg, error), result

        runner.run(body, finish)
    return st["result"]  # type: ignore[no-any-return]


def _body(
    runner: GateRunner,
    conn: psycopg.Connection[Any],
    ident: ServerIdentity,
    prep: Prepared,
    kind: CloneKind,
    dsn: str | None,
    from_backup: Path | None,
    st: dict[str, Any],
    kit: EvidenceKit,
    reporter: Reporter,
) -> None:
    pkg, lint = prep.pkg, prep.findings
    with runner.gate("identity") as g:
        g.record(identity_gate(ident, pkg.target))
        check_guard(ident, pkg.target)
    with runner.gate("integrity", stop=False) as g:
        errors = [f for f in lint if f.is_error]
        g.record(integrity_gate(prep))
        if errors:
            g.fail(f"{len(errors)} policy error(s) (apply would refuse the package); the rehearsal runs anyway")
    with runner.gate("ledger") as g:
        ledger.take_lock(conn, f"rehearse {pkg.name}")
        version = ledger.installed_version(conn)
        plan = make_plan(pkg, prep.pins, prep.sources, ledger.attempts(conn, pkg.name))
        st["applied"] = tuple(b.id for b in plan.bundles if not b.to_run)
        g.record(ledger_gate(version, plan))
    todo = [pkg.bundle(b.id) for b in plan.to_run]
    with contextlib.ExitStack() as stack:
        try:
            with runner.gate("clone") as g:
                clone = stack.enter_context(
                    make_clone(
                        kind, dsn=dsn, ident=ident, dump=from_backup, logs=kit.path("logs/_").parent, reporter=reporter
                    )
                )
                st["clone"] = clone.info
                g.record(clone.info)
            with runner.gate("rehearsal") as g:
                outcome = rehearse_on_clone(
                    clone, pkg, todo, pkg.verify, search_path.package_path(conn, pkg.settings), reporter
                )
                st["outcome"] = outcome
                g.record(rehearsal_gate(outcome, clone.info))
                if outcome.findings:
                    g.fail(f"{len(outcome.findings)} finding(s), first: {outcome.findings[0].message}")
        finally:
            with runner.gate("teardown") as g:
                stack.close()
                g.record(TeardownGate(st["clone"].instance.path if st["clone"] else None))
