"""The evidence kit: a directory anyone can re-check later.

``run.json`` (the machine record), ``SUMMARY.md`` (the human report), ``events.jsonl`` (a hash chain:
each line carries the sha256 of the line before it) and ``SHA256SUMS`` (``sha256sum -c`` compatible,
covering every other file). Before ``SHA256SUMS`` is written, a final *seal* event records each file's
hash inside the chain, so that ``evidence verify`` can tell an edited file from an edited SHA256SUMS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pgwarden import __version__, userpaths
from pgwarden.errors import BadInput, Interrupted, PgwardenError
from pgwarden.redact import redact_text

SCHEMA_VERSION = 1
GENESIS = "0" * 64
SUMS = "SHA256SUMS"
EVENTS = "events.jsonl"


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sha256_file(path: Path, bufsize: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(bufsize):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class GateRecord:
    name: str
    status: str  # PASS | FAIL | SKIPPED | WAIVED
    started: str
    finished: str
    details: Mapping[str, Any] = field(default_factory=dict)


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table; cells have pipes escaped."""
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def default_kit_dir(command: str, base: Path | None = None) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    root = (base or Path.cwd() / "pgwarden-runs")
    path = root / f"{stamp}-{command}"
    n = 1
    while path.exists():
        n += 1
        path = root / f"{stamp}-{command}-{n}"
    return path


class EvidenceKit:
    """Writer for one kit. Use :meth:`create`, add events/gates/files, then :meth:`finish`."""

    def __init__(self, root: Path, command: str, arguments: Mapping[str, Any]) -> None:
        self.root = root
        self.command = command
        self.arguments = {k: _redact_value(v) for k, v in arguments.items()}
        self.started = utcnow()
        self.gates: list[GateRecord] = []
        self.environment: dict[str, Any] = {}
        self._prev = GENESIS
        self._seq = 0
        self.finished = False
        # rel -> sha256 of files hashed while they were written (dumps): sealing must not read them again.
        self.known_hashes: dict[str, str] = {}

    @classmethod
    def create(cls, out: Path | None, command: str, arguments: Mapping[str, Any]) -> EvidenceKit:
        root = Path(out) if out is not None else default_kit_dir(command)
        if userpaths.exists(root, "--out") and not root.is_dir():
            raise BadInput(f"--out {root}: exists and is not a directory; choose a new one")
        if root.exists() and any(root.iterdir()):
            raise BadInput(f"--out {root}: directory exists and is not empty; choose a new one")
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BadInput(f"--out {root}: cannot create directory: {exc.strerror}") from None
        kit = cls(root, command, arguments)
        kit.event("start", command=command, arguments=kit.arguments, pgwarden=__version__)
        return kit

    # -- content ------------------------------------------------------------------------------------
    def path(self, rel: str) -> Path:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def write_text(self, rel: str, text: str) -> Path:
        p = self.path(rel)
        p.write_text(text, encoding="utf-8")
        self.event("file", path=rel, sha256=sha256_file(p), bytes=p.stat().st_size)
        return p

    def write_json(self, rel: str, data: Any) -> Path:
        return self.write_text(rel, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")

    def event(self, kind: str, **data: Any) -> None:
        self._seq += 1
        rec = {"seq": self._seq, "ts": utcnow(), "kind": kind, "prev": self._prev, "data": data}
        line = redact_text(json.dumps(rec, sort_keys=True, default=str))
        with open(self.root / EVENTS, "a", encoding="utf-8") as f:
            f.write(line + "\n")
        self._prev = hashlib.sha256(line.encode("utf-8")).hexdigest()

    def add_gate(self, gate: GateRecord) -> GateRecord:
        self.gates.append(gate)
        self.event("gate", **asdict(gate))
        return gate

    @contextmanager
    def gate(self, name: str) -> Iterator[dict[str, Any]]:
        """Record a gate around a block: PASS unless the block raises, or sets ``details['status']``."""
        started = utcnow()
        details: dict[str, Any] = {}
        try:
            yield details
        except PgwardenError as exc:
            details.setdefault("error", exc.message)
            if exc.details:
                details.setdefault("error_details", list(exc.details))
            self.add_gate(GateRecord(name, "FAIL", started, utcnow(), details))
            raise
        status = str(details.pop("status", "PASS"))
        self.add_gate(GateRecord(name, status, started, utcnow(), details))

    # -- closing ------------------------------------------------------------------------------------
    def finish(self, status: str, summary_md: str, result: Mapping[str, Any] | None = None) -> Path:
        """Write run.json and SUMMARY.md, seal the chain, then SHA256SUMS. Returns the kit path."""
        run = {
            "schema_version": SCHEMA_VERSION,
            "pgwarden_version": __version__,
            "command": self.command,
            "arguments": self.arguments,
            "started": self.started,
            "finished": utcnow(),
            "status": status,
            "gates": [asdict(g) for g in self.gates],
            "environment": self.environment,
            "result": result or {},
        }
        (self.root / "run.json").write_text(
            redact_text(json.dumps(run, indent=2, sort_keys=True, default=str)) + "\n", encoding="utf-8")
        (self.root / "SUMMARY.md").write_text(redact_text(summary_md), encoding="utf-8")
        hashes = {rel: self.known_hashes.get(rel) or sha256_file(self.root / rel)
                  for rel in _kit_files(self.root) if rel != EVENTS}
        self.event("seal", status=status, files=hashes)
        hashes[EVENTS] = sha256_file(self.root / EVENTS)
        lines = [f"{hashes[rel]}  {rel}\n" for rel in sorted(hashes)]
        (self.root / SUMS).write_text("".join(lines), encoding="utf-8")
        self.finished = True
        return self.root


def aborted_status(exc: BaseException, otherwise: str) -> str:
    """The run.json status for a run stopped by ``exc``: an interrupt is marked as such."""
    return "INTERRUPTED" if isinstance(exc, Interrupted | KeyboardInterrupt) else otherwise


def _redact_value(v: Any) -> Any:
    if isinstance(v, str):
        return redact_text(v)
    if isinstance(v, list | tuple):
        return [_redact_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _redact_value(x) for k, x in v.items()}
    if isinstance(v, Path):
        return str(v)
    return v


def _kit_files(root: Path) -> list[str]:
    out = []
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            rel = os.path.relpath(os.path.join(dirpath, n), root)
            if rel != SUMS:
                out.append(rel.replace(os.sep, "/"))
    return sorted(out)


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


def verify_kit(root: Path) -> KitVerification:
    """Re-check ``SHA256SUMS``, the event chain and the seal. Never raises for tampering."""
    root = Path(root)
    if not userpaths.exists(root) or not root.is_dir():
        raise BadInput(f"{root}: not a directory")
    problems: list[KitProblem] = []
    sums_path = root / SUMS
    listed: dict[str, str] = {}
    if not sums_path.is_file():
        problems.append(KitProblem(SUMS, "missing"))
    else:
        for n, line in enumerate(sums_path.read_bytes().decode("utf-8", "replace").splitlines(), 1):
            parts = line.split("  ", 1)
            if len(parts) != 2 or len(parts[0]) != 64 or any(c not in "0123456789abcdef" for c in parts[0]):
                problems.append(KitProblem(SUMS, f"line {n} is malformed"))
                continue
            listed[parts[1]] = parts[0]
    seal, chain_problems, n_events = _check_chain(root)
    problems += chain_problems
    present = set(_kit_files(root))
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
    return KitVerification(str(root), not problems, len(listed), n_events, tuple(problems))


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
