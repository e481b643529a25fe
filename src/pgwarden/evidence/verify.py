"""``pgwarden evidence verify``: re-check a kit someone hands you, byte for byte.

``SHA256SUMS`` must list every file with its current hash, the event chain must be unbroken, and the
*seal* event (the last one) must record the same hash for each file, so that a file edited together
with its ``SHA256SUMS`` line is still caught. Tampering is a FAIL (exit 1), never an exception.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pgwarden import userfiles
from pgwarden.errors import BadInput
from pgwarden.evidence.kit import EVENTS, GENESIS, SUMS, kit_files
from pgwarden.evidence.sign import SIGNATURE, check_signature
from pgwarden.evidence.sums import parse_sums, sha256_file


@dataclass(frozen=True)
class KitProblem:
    file: str
    problem: str


@dataclass(frozen=True)
class KitVerification:
    path: str
    ok: bool
    files_checked: int
    events: int
    problems: tuple[KitProblem, ...]
    signature: str = "none"       # "none", "present, not checked (no --key)", or "valid: <signer>"


def verify_kit(root: Path, key: Path | None = None) -> KitVerification:
    """Re-check ``SHA256SUMS``, the event chain and the seal; with ``key`` (an SSH public key), also the
    signature ``SHA256SUMS.sig`` that :func:`pgwarden.evidence.sign.sign_kit` made. Never raises for tampering.

    Without a signature, the chain catches accidents and partial edits, not someone who rewrites the
    whole kit and recomputes every hash: only a signature checked against a key held elsewhere does."""
    root = Path(root)
    if not userfiles.exists(root) or not root.is_dir():
        raise BadInput(f"{root}: not a directory")
    problems: list[KitProblem] = []
    sums_path = root / SUMS
    listed: dict[str, str] = {}
    if not sums_path.is_file():
        problems.append(KitProblem(SUMS, "missing"))
    else:
        entries, bad = parse_sums(sums_path.read_bytes())
        problems += [KitProblem(SUMS, f"line {b.line} {b.why}") for b in bad]
        listed = {e.path: e.sha256 for e in entries}
    seal, chain_problems, n_events = _check_chain(root)
    problems += chain_problems
    present = set(kit_files(root)) - {SIGNATURE}
    for rel in sorted(present - set(listed)):
        if sums_path.is_file():
            problems.append(KitProblem(rel, "not listed in SHA256SUMS (file added)"))
    for rel, digest in sorted(listed.items()):
        if rel not in present:
            problems.append(KitProblem(rel, "listed in SHA256SUMS but missing (file deleted)"))
            continue
        actual = sha256_file(root / rel)
        sealed = seal.get(rel) if seal is not None else None
        if actual == digest:
            if sealed is not None and sealed != actual:
                problems.append(KitProblem(rel, "content differs from the hash sealed in events.jsonl "
                                                "(file and its SHA256SUMS entry were both changed)"))
            elif seal is not None and sealed is None and rel != EVENTS:
                problems.append(KitProblem(rel, "not sealed in events.jsonl (file added)"))
            continue
        if sealed == actual:
            problems.append(KitProblem(SUMS, f"entry for {rel} was altered (the file matches the sealed hash)"))
        else:
            problems.append(KitProblem(rel, f"content changed: sha256 {actual}, SHA256SUMS says {digest}"))
    signature = "none"
    if key is not None:
        why = check_signature(root, key)
        if why is None:
            signature = f"valid: signed by the holder of {key}"
        else:
            problems.append(KitProblem(SIGNATURE, why))
            signature = f"INVALID: {why}"
    elif (root / SIGNATURE).is_file():
        signature = "present, not checked (give --key PUB to check it)"
    return KitVerification(str(root), not problems, len(listed), n_events, tuple(problems), signature)


def _check_chain(root: Path) -> tuple[dict[str, str] | None, list[KitProblem], int]:
    path = root / EVENTS
    if not path.is_file():
        return None, [KitProblem(EVENTS, "missing")], 0
    prev = GENESIS
    seal: dict[str, str] | None = None
    problems: list[KitProblem] = []
    lines = path.read_bytes().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for n, raw in enumerate(lines, 1):
        try:
            rec = json.loads(raw)
        except ValueError:
            problems.append(KitProblem(EVENTS, f"line {n} is not valid JSON"))
            return seal, problems, len(lines)
        if rec.get("prev") != prev or rec.get("seq") != n:
            problems.append(KitProblem(EVENTS, f"hash chain broken at line {n}"))
            return seal, problems, len(lines)
        prev = hashlib.sha256(raw).hexdigest()
        if rec.get("kind") == "seal":
            seal = dict(rec.get("data", {}).get("files", {}))
            if n != len(lines):
                problems.append(KitProblem(EVENTS, f"events after the seal (line {n + 1} on)"))
    if seal is None:
        problems.append(KitProblem(EVENTS, "no seal event: the run did not finish writing its kit"))
    return seal, problems, len(lines)
