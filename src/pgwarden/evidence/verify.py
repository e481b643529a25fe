"""``pgwarden evidence verify``: re-check a kit someone hands you, byte for byte.

``SHA256SUMS`` must list every file with its current hash, the event chain must be unbroken, and the
*seal* event (the last one) must record the same hash for each file, so that a file edited together
with its ``SHA256SUMS`` line is still caught. Tampering is a FAIL (exit 1), never an exception.

A kit is untrusted input, read through :mod:`pgwarden.evidence.kitfiles`: a symlink, FIFO, socket or device
file in it is a named problem and is never opened or followed (nothing hangs, nothing outside the kit is
read), and the files pgwarden parses (``SHA256SUMS``, ``events.jsonl``, ``run.json``, ``findings.json``) are
bounded in size and JSON nesting: beyond a bound is a named problem too, not a MemoryError.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgwarden import userfiles
from pgwarden.errors import BadInput
from pgwarden.evidence import kitfiles
from pgwarden.evidence.kitfiles import EVENTS, GENESIS, SUMS, KitProblem, Missing, Refused
from pgwarden.evidence.sign import SIGNATURE, check_signature
from pgwarden.evidence.sums import parse_sums
from pgwarden.private import write_private

RUN = "run.json"
FINDINGS = "findings.json"
_MAX_SIGNATURE = 1 << 20


@dataclass(frozen=True)
class KitVerification:
    path: str
    ok: bool
    files_checked: int
    events: int
    problems: tuple[KitProblem, ...]
    signature: str = "none"  # "none", "present, not checked (no --key)", or "valid: <signer>"


def verify_kit(root: Path, key: Path | None = None) -> KitVerification:
    """Re-check ``SHA256SUMS``, the event chain and the seal; with ``key`` (an SSH public key), also the
    signature ``SHA256SUMS.sig`` that :func:`pgwarden.evidence.sign.sign_kit` made. Never raises for tampering.

    Without a signature, the chain catches accidents and partial edits, not someone who rewrites the
    whole kit and recomputes every hash: only a signature checked against a key held elsewhere does."""
    root = Path(root)
    kitfiles.refuse_symlinked_root(root)
    if not userfiles.exists(root) or not root.is_dir():
        raise BadInput(f"{root}: not a directory")
    try:
        walked = kitfiles.walk(root)
    except Refused as exc:
        raise BadInput(f"{root}: {exc.why}") from None
    problems = list(walked.refused)
    refused = {p.file for p in walked.refused}
    listed: dict[str, str] = {}
    sums: bytes | None = None
    if SUMS not in refused:
        try:
            sums = kitfiles.read_bytes(root, SUMS, kitfiles.MAX_SUMS)
        except Refused as exc:
            problems.append(KitProblem(SUMS, exc.why))
        else:
            entries, bad = parse_sums(sums)
            problems += [KitProblem(SUMS, f"line {b.line} {b.why}") for b in bad]
            listed = {e.path: e.sha256 for e in entries}
    seal, chain_problems, n_events = _check_chain(root, refused)
    problems += chain_problems
    problems += [
        p
        for rel, limit in ((RUN, kitfiles.MAX_RUN_JSON), (FINDINGS, kitfiles.MAX_FINDINGS))
        if rel in walked.files
        for p in _check_json(root, rel, limit)
    ]
    present = set(walked.files) - {SUMS, SIGNATURE}
    for rel in sorted(present - set(listed)):
        if sums is not None:
            problems.append(KitProblem(rel, "not listed in SHA256SUMS (file added)"))
    for rel, digest in sorted(listed.items()):
        if _under_refused(rel, refused):
            continue  # named already: a symlink, a FIFO, a device (or a file in a symlinked directory)
        try:
            actual = kitfiles.sha256(root, rel)
        except Missing:
            problems.append(KitProblem(rel, "listed in SHA256SUMS but missing (file deleted)"))
            continue
        except Refused as exc:
            problems.append(KitProblem(rel, exc.why))
            continue
        sealed = seal.get(rel) if seal is not None else None
        if actual == digest:
            if sealed is not None and sealed != actual:
                problems.append(
                    KitProblem(
                        rel,
                        "content differs from the hash sealed in events.jsonl "
                        "(file and its SHA256SUMS entry were both changed)",
                    )
                )
            elif seal is not None and sealed is None and rel != EVENTS:
                problems.append(KitProblem(rel, "not sealed in events.jsonl (file added)"))
            continue
        if sealed == actual:
            problems.append(KitProblem(SUMS, f"entry for {rel} was altered (the file matches the sealed hash)"))
        else:
            problems.append(KitProblem(rel, f"content changed: sha256 {actual}, SHA256SUMS says {digest}"))
    signature = "none"
    if key is not None:
        why = _signature_problem(root, key, sums, refused)
        if why is None:
            signature = f"valid: signed by the holder of {key}"
        else:
            problems.append(KitProblem(SIGNATURE, why))
            signature = f"INVALID: {why}"
    elif SIGNATURE in walked.files:
        signature = "present, not checked (give --key PUB to check it)"
    return KitVerification(str(root), not problems, len(listed), n_events, tuple(problems), signature)


def _under_refused(rel: str, refused: set[str]) -> bool:
    parts = rel.split("/")
    return any("/".join(parts[:i]) in refused for i in range(1, len(parts) + 1))


def _signature_problem(root: Path, key: Path, sums: bytes | None, refused: set[str]) -> str | None:
    """Why ``SHA256SUMS.sig`` is not a valid signature of SHA256SUMS by ``key`` (None: it is). ssh-keygen
    is given copies of the two files, read safely here, never the kit's own paths (a FIFO would block it)."""
    if SIGNATURE in refused:
        return "not a regular file: the signature cannot be checked"
    try:
        sig = kitfiles.read_bytes(root, SIGNATURE, _MAX_SIGNATURE)
    except Missing:
        return "missing: the kit is not signed"
    except Refused as exc:
        return f"{exc.why}: the signature cannot be checked"
    if sums is None:
        return f"{SUMS} cannot be read: the signature cannot be checked"
    with tempfile.TemporaryDirectory(prefix="pgwarden-verify-") as tmp:
        copy = Path(tmp)
        write_private(copy / SUMS, sums)
        write_private(copy / SIGNATURE, sig)
        return check_signature(copy, key)


def _check_json(root: Path, rel: str, limit: int) -> list[KitProblem]:
    """A JSON file the report parses must be JSON, within ``limit`` bytes and :data:`kitfiles.MAX_DEPTH` deep."""
    try:
        kitfiles.read_json(root, rel, limit)
    except Missing:
        return []  # named by the SHA256SUMS check
    except Refused as exc:
        return [KitProblem(rel, exc.why)]
    return []


def _check_chain(root: Path, refused: set[str]) -> tuple[dict[str, str] | None, list[KitProblem], int]:
    if EVENTS in refused:
        return None, [], 0  # named already
    prev = GENESIS
    seal: dict[str, str] | None = None
    problems: list[KitProblem] = []
    n = 0
    try:
        with kitfiles.open_file(root, EVENTS, kitfiles.MAX_EVENTS) as f:
            for n, raw in enumerate(kitfiles.lines(f), 1):
                if seal is not None:
                    problems.append(KitProblem(EVENTS, f"events after the seal (line {n} on)"))
                    break
                try:
                    rec = kitfiles.loads(raw)
                except Refused as exc:
                    why = "is not valid JSON" if exc.why == "not valid JSON" else f"is {exc.why}"
                    problems.append(KitProblem(EVENTS, f"line {n} {why}"))
                    return seal, problems, n
                if not isinstance(rec, dict):
                    problems.append(KitProblem(EVENTS, f"line {n} is not a JSON object"))
                    return seal, problems, n
                if rec.get("prev") != prev or rec.get("seq") != n:
                    problems.append(KitProblem(EVENTS, f"hash chain broken at line {n}"))
                    return seal, problems, n
                prev = hashlib.sha256(raw).hexdigest()
                if rec.get("kind") == "seal":
                    seal = _seal_files(rec)
                    if seal is None:
                        problems.append(KitProblem(EVENTS, f"line {n}: the seal's list of files is malformed"))
                        return None, problems, n
    except Missing:
        return None, [KitProblem(EVENTS, "missing")], 0
    except Refused as exc:
        problems.append(KitProblem(EVENTS, exc.why))
        return None, problems, n
    if seal is None and not problems:
        problems.append(KitProblem(EVENTS, "no seal event: the run did not finish writing its kit"))
    return seal, problems, n


def _seal_files(rec: dict[str, Any]) -> dict[str, str] | None:
    data = rec.get("data", {})
    files = data.get("files", {}) if isinstance(data, dict) else None
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        return None
    return {str(k): v for k, v in files.items()}
