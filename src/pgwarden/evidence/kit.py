"""The evidence kit: a directory anyone can re-check later (and no one else can read: 0700, files 0600).

``run.json`` (the machine record), ``report.json`` (what the command reports, as typed blocks:
:mod:`pgwarden.evidence.blocks`), ``SUMMARY.md`` (those blocks in markdown, :mod:`pgwarden.evidence.render_md`),
``report.html`` (the same as one self-contained page, :mod:`pgwarden.evidence.render_html`), ``events.jsonl``
(a hash chain: each line carries the sha256 of the line before it) and ``SHA256SUMS`` (``sha256sum -c``
compatible, covering every other file). Before ``SHA256SUMS`` is written, a final *seal* event records each
file's hash inside the chain, so that ``evidence verify`` can tell an edited file from an edited SHA256SUMS.
Gates are recorded by :mod:`pgwarden.evidence.gates`, which is the only caller of :meth:`EvidenceKit.finish`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pgwarden import userfiles
from pgwarden.errors import BadInput
from pgwarden.evidence.blocks import Report
from pgwarden.evidence.kitfiles import EVENTS, GENESIS, SUMS
from pgwarden.evidence.render_html import write_sealed_report
from pgwarden.evidence.render_md import render_md
from pgwarden.evidence.sums import SumEntry, sha256_file, write_sums
from pgwarden.private import make_private, make_private_dirs, write_private
from pgwarden.redact import redact_text
from pgwarden.textsafe import block
from pgwarden.version import __version__

SCHEMA_VERSION = 2  # run.json; 2: one details shape per shared gate


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def default_kit_dir(command: str, base: Path | None = None) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    root = base or Path.cwd() / "pgwarden-runs"
    path = root / f"{stamp}-{command}"
    n = 1
    while path.exists():
        n += 1
        path = root / f"{stamp}-{command}-{n}"
    return path


def check_out_dir(out: Path | None, option: str = "--out") -> None:
    """Refuse, before anything runs, an ``--out`` that exists and is not an empty directory."""
    if out is None:
        return
    if not userfiles.exists(out, option):
        return
    if not out.is_dir():
        raise BadInput(f"{option} {out}: exists and is not a directory; choose a new one")
    if any(out.iterdir()):
        raise BadInput(f"{option} {out}: directory exists and is not empty; choose a new one")


class EvidenceKit:
    """Writer for one kit. Use :meth:`create`, add events and files; a gate runner seals it."""

    def __init__(self, root: Path, command: str, arguments: Mapping[str, Any]) -> None:
        self.root = root
        self.command = command
        self.arguments = {k: _redact_value(v) for k, v in arguments.items()}
        self.started = utcnow()
        self.environment: dict[str, Any] = {}
        self._prev = GENESIS
        self._seq = 0
        self.finished = False
        # rel -> sha256 of files hashed while they were written (dumps): sealing must not read them again.
        self.known_hashes: dict[str, str] = {}

    @classmethod
    def create(cls, out: Path | None, command: str, arguments: Mapping[str, Any]) -> EvidenceKit:
        root = Path(out) if out is not None else default_kit_dir(command)
        check_out_dir(root)
        try:
            make_private_dirs(root)
        except OSError as exc:
            raise BadInput(f"--out {root}: cannot create directory: {exc.strerror}") from None
        kit = cls(root, command, arguments)
        kit.event("start", command=command, arguments=kit.arguments, pgwarden=__version__)
        return kit

    # -- content ------------------------------------------------------------------------------------
    def path(self, rel: str) -> Path:
        p = self.root / rel
        make_private_dirs(p.parent)
        return p

    def write_text(self, rel: str, text: str) -> Path:
        p = self.path(rel)
        write_private(p, text.encode("utf-8"))
        self.event("file", path=rel, sha256=sha256_file(p), bytes=p.stat().st_size)
        return p

    def write_json(self, rel: str, data: Any) -> Path:
        return self.write_text(rel, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")

    def event(self, kind: str, **data: Any) -> None:
        self._seq += 1
        rec = {"seq": self._seq, "ts": utcnow(), "kind": kind, "prev": self._prev, "data": data}
        line = redact_text(json.dumps(rec, sort_keys=True, default=str))
        fd = os.open(self.root / EVENTS, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(line + "\n")
        self._prev = hashlib.sha256(line.encode("utf-8")).hexdigest()

    # -- closing ------------------------------------------------------------------------------------
    def finish(self, status: str, report: Report, result: Any, gates: Sequence[Mapping[str, Any]]) -> Path:
        """Write run.json, report.json, SUMMARY.md and report.html, seal the chain, then SHA256SUMS. Returns the
        kit path."""
        run = {
            "schema_version": SCHEMA_VERSION,
            "pgwarden_version": __version__,
            "command": self.command,
            "arguments": self.arguments,
            "started": self.started,
            "finished": utcnow(),
            "status": status,
            "gates": list(gates),
            "environment": self.environment,
            "result": result if result is not None else {},
        }
        write_private(
            self.root / "run.json",
            (redact_text(json.dumps(run, indent=2, sort_keys=True, default=str)) + "\n").encode("utf-8"),
        )
        write_private(
            self.root / "report.json",
            (redact_text(json.dumps(report.to_json(), indent=1, sort_keys=True)) + "\n").encode("utf-8"),
        )
        # every command's SUMMARY.md: no control character or bidi override of someone else's text (textsafe)
        write_private(self.root / "SUMMARY.md", block(redact_text(render_md(report))).encode("utf-8"))
        write_sealed_report(self.root)  # report.html, from run.json and report.json: sealed with the rest
        make_private(self.root)  # files a child wrote (a dump, logs) too, whatever the umask was
        hashes = {
            rel: self.known_hashes.get(rel) or sha256_file(self.root / rel)
            for rel in kit_files(self.root)
            if rel != EVENTS
        }
        self.event("seal", status=status, files=hashes)
        hashes[EVENTS] = sha256_file(self.root / EVENTS)
        write_sums(self.root / SUMS, [SumEntry(rel, hashes[rel]) for rel in sorted(hashes)])
        self.finished = True
        return self.root


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


def kit_files(root: Path) -> list[str]:
    """Every file of a kit but SHA256SUMS itself, as sorted kit-relative paths."""
    out = []
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            rel = os.path.relpath(os.path.join(dirpath, n), root)
            if rel != SUMS:
                out.append(rel.replace(os.sep, "/"))
    return sorted(out)
