"""``pgwarden demo``: the seed stories end to end, on embedded PostgreSQL started and removed here.

Each story is one *part*: a function ``(directory, step=, reporter=) -> DemoPart`` in :data:`PARTS`,
in its own module. Every part leaves its kits in the output directory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pgwarden import userfiles
from pgwarden.demo.parts import DemoPart
from pgwarden.demo.seed000 import seed000
from pgwarden.demo.seed001 import seed001
from pgwarden.errors import BadInput
from pgwarden.evidence.gates import Verdict
from pgwarden.evidence.kit import default_kit_dir
from pgwarden.progress import SILENT, Reporter


@dataclass(frozen=True)
class DemoResult:
    verdict: Verdict
    out: str
    parts: tuple[DemoPart, ...]
    seconds: float


PARTS: list[tuple[str, Callable[..., DemoPart]]] = [("1-backup-verification", seed001), ("2-preflight", seed000)]


def demo(out: Path | None = None, *, reporter: Reporter = SILENT) -> DemoResult:
    """Run every part; each writes its kits under ``out``."""
    t0 = time.monotonic()
    root = Path(out) if out is not None else default_kit_dir("demo")
    if userfiles.exists(root, "--out") and (not root.is_dir() or any(root.iterdir())):
        raise BadInput(f"--out {root}: directory exists and is not empty; choose a new one")
    root.mkdir(parents=True, exist_ok=True)
    parts = []
    for i, (sub, fn) in enumerate(PARTS, 1):
        part = fn(root / sub, step=f"{i}/{len(PARTS)}", reporter=reporter)
        parts.append(part)
        reporter.step(f"  {part.name}: {part.verdict}")
        for k, v in part.facts.items():
            reporter.step(f"    {k}: {v}")
        for k in part.kits:
            reporter.step(f"    kit: {k}")
    verdict = Verdict.PASS if all(p.verdict == Verdict.PASS for p in parts) else Verdict.FAIL
    reporter.step(f"demo {verdict} in {time.monotonic() - t0:.1f} s; kits under {root}")
    return DemoResult(verdict, str(root), tuple(parts), round(time.monotonic() - t0, 3))
