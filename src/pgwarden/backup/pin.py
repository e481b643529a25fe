"""Checking a dump against its pin: from ``--sha256``, or from the backup kit it sits in.

A custom dump's pin is its file's SHA-256. A directory dump is pinned file by file in the kit's
``SHA256SUMS``; its single digest (for ``--sha256`` and run.json) is the SHA-256 of its sorted
``sha256sum``-style listing (see :func:`pgwarden.dumpstream.manifest_digest`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pgwarden.backup.dumpstream import hash_tree, manifest_digest
from pgwarden.evidence.gates import GateStatus
from pgwarden.evidence.kitfiles import SUMS
from pgwarden.evidence.sums import parse_sums, sha256_file


@dataclass(frozen=True)
class PinCheck:
    status: GateStatus  # PASS, FAIL or SKIPPED (no pin anywhere)
    actual: str  # the dump's sha256 (or directory digest)
    sources: tuple[str, ...]  # where pins came from
    problems: tuple[str, ...]  # one line per mismatch
    kit: str | None  # the backup kit the dump sits in, if any


def _kit_of(dump: Path) -> tuple[Path, str] | None:
    dump = dump.resolve()
    for root in list(dump.parents)[:3]:
        if (root / SUMS).is_file() and (root / "run.json").is_file():
            return root, dump.relative_to(root).as_posix()
    return None


def kit_sums(root: Path) -> dict[str, str]:
    """The pins of a kit's SHA256SUMS, by kit-relative path."""
    entries, _bad = parse_sums((root / SUMS).read_bytes())  # a malformed line pins nothing
    return {e.path: e.sha256 for e in entries}


def check_pin(dump: Path, sha256: str | None) -> PinCheck:
    """Hash the dump once and compare it with every pin there is."""
    is_dir = dump.is_dir()
    files = hash_tree(dump) if is_dir else ()
    actual = manifest_digest(files) if is_dir else sha256_file(dump)
    sources: list[str] = []
    problems: list[str] = []
    if sha256:
        sources.append("--sha256")
        if sha256.lower() != actual:
            problems.append(f"sha256 {actual}, but --sha256 pins {sha256.lower()}")
    found = _kit_of(dump)
    kit_root = None
    if found:
        root, rel = found
        kit_root = str(root)
        sums = kit_sums(root)
        if is_dir:
            pinned = {k[len(rel) + 1 :]: v for k, v in sums.items() if k.startswith(rel + "/")}
            if pinned:
                sources.append(f"{root / SUMS} ({len(pinned)} files)")
                have = {f.rel: f.sha256 for f in files}
                for name in sorted(pinned.keys() | have.keys()):
                    if name not in have:
                        problems.append(f"{rel}/{name}: pinned but missing")
                    elif name not in pinned:
                        problems.append(f"{rel}/{name}: not pinned (file added)")
                    elif have[name] != pinned[name]:
                        problems.append(f"{rel}/{name}: sha256 {have[name]}, but SHA256SUMS pins {pinned[name]}")
        elif rel in sums:
            sources.append(str(root / SUMS))
            if sums[rel] != actual:
                problems.append(f"sha256 {actual}, but {SUMS} of its backup kit pins {sums[rel]}")
        recorded = _run_json_pin(root, rel)
        if recorded:
            sources.append(str(root / "run.json"))
            if recorded != actual:
                problems.append(f"sha256 {actual}, but run.json of its backup kit records {recorded}")
    status = GateStatus.FAIL if problems else GateStatus.PASS if sources else GateStatus.SKIPPED
    return PinCheck(status, actual, tuple(sources), tuple(problems), kit_root)


def _run_json_pin(root: Path, rel: str) -> str | None:
    try:
        result = json.loads((root / "run.json").read_text(encoding="utf-8")).get("result") or {}
    except (OSError, ValueError):
        return None
    if result.get("dump_rel") == rel and isinstance(result.get("sha256"), str):
        return str(result["sha256"])
    return None
