"""``pgwarden demo``: the seed stories end to end, on embedded PostgreSQL started and removed here.

One embedded "production" (database ``directus``, shaped like both seeds) serves every story. Each story
is one *part*: a function ``(directory, step=, reporter=, production=) -> DemoPart`` in :data:`PARTS`, in
its own module, in the order the seeds happened: seed 000's change with apply, then seed 001's
post-change backup verification on the changed database. Every part leaves its kits in the output
directory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pgwarden import userfiles
from pgwarden.demo import seed000, seed001
from pgwarden.demo.parts import DemoPart, demo_binaries
from pgwarden.errors import BadInput
from pgwarden.evidence.gates import Verdict
from pgwarden.evidence.kit import default_kit_dir
from pgwarden.instances.instance import ThrowawayInstance
from pgwarden.pg.conn import connection
from pgwarden.progress import SILENT, Reporter


@dataclass(frozen=True)
class DemoResult:
    verdict: Verdict
    out: str
    parts: tuple[DemoPart, ...]
    seconds: float


PARTS: list[tuple[str, Callable[..., DemoPart]]] = [
    ("1-seed000-apply", seed000.seed000),
    ("2-seed001-backup-verification", seed001.seed001),
]


def demo(out: Path | None = None, *, reporter: Reporter = SILENT) -> DemoResult:
    """Run every part; each writes its kits under ``out``."""
    t0 = time.monotonic()
    root = Path(out) if out is not None else default_kit_dir("demo")
    if userfiles.exists(root, "--out") and (not root.is_dir() or any(root.iterdir())):
        raise BadInput(f"--out {root}: directory exists and is not empty; choose a new one")
    root.mkdir(parents=True, exist_ok=True)
    parts = []
    bins = demo_binaries()
    with ThrowawayInstance(bins) as production:
        with connection(production.dsn()) as conn:
            conn.execute("CREATE DATABASE directus")
        dsn = production.dsn("directus")
        with connection(dsn) as conn:
            conn.execute(seed001.production_sql())
            conn.execute(seed000.production_sql())
        reporter.step(f"production (embedded PostgreSQL {bins.version}, throwaway): {production.root}")
        for i, (sub, fn) in enumerate(PARTS, 1):
            part = fn(root / sub, step=f"{i}/{len(PARTS)}", reporter=reporter, production=dsn)
            parts.append(part)
            reporter.step(f"  {part.name}: {part.verdict}")
            for k, v in part.facts.items():
                reporter.step(f"    {k}: {v}")
            for k in part.kits:
                reporter.step(f"    kit: {k}")
    verdict = Verdict.PASS if all(p.verdict == Verdict.PASS for p in parts) else Verdict.FAIL
    reporter.step(f"demo {verdict} in {time.monotonic() - t0:.1f} s; kits under {root}")
    return DemoResult(verdict, str(root), tuple(parts), round(time.monotonic() - t0, 3))
