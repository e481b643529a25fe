"""Reading a kit for its page: run.json (or the event chain), and the report's blocks (report.json).

A kit is untrusted input: every file is read through :mod:`pgwarden.evidence.kitfiles` (regular files only,
never through a symlink, bounded in size and JSON nesting), every value of run.json is type-checked before
use, and report.json is read by :meth:`pgwarden.evidence.blocks.Report.from_json`, leniently: a block it cannot
read is said to be unreadable on the page. A kit without report.json (written before pgwarden kept one) gets
a minimal report from run.json, its gates and verdict, with its SUMMARY.md shown as text. What could not be read
is listed in :attr:`KitContent.notes`, for the page to say.

This module imports nothing of the kit writer or the verifier (the writer uses the renderer, which uses this).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgwarden import userfiles
from pgwarden.errors import BadInput
from pgwarden.evidence import kitfiles
from pgwarden.evidence.blocks import BadReport, Block, Code, GateRow, Gates, Report, Section
from pgwarden.evidence.html_util import num, text
from pgwarden.evidence.kitfiles import Missing, Refused

RUN, SUMMARY, EVENTS, SUMS, REPORT_JSON = "run.json", "SUMMARY.md", "events.jsonl", "SHA256SUMS", "report.json"
MAX_TEXT = 4 << 20  # SUMMARY.md and SHA256SUMS shown; JSON: the bounds of kitfiles
MAX_REPORT_JSON = kitfiles.MAX_RUN_JSON


@dataclass(frozen=True)
class KitContent:
    """A kit as read from its files. ``run`` is run.json's object (or one rebuilt from events.jsonl);
    ``report`` the command's blocks (or, for a kit without them, a minimal report made from ``run``)."""

    root: Path
    run: dict[str, Any]
    report: Report
    notes: tuple[str, ...] = ()  # what could not be read, said on the page


def read_text(root: Path, rel: str, limit: int = MAX_TEXT) -> str | None:
    """A kit file as text, or None when it is missing, not a regular file, unreadable or larger than ``limit``."""
    try:
        return kitfiles.read_bytes(root, rel, limit).decode("utf-8", "replace")
    except Refused:
        return None


def load_kit(root: Path) -> KitContent:
    """Read ``root`` as an evidence kit. Not a directory (a symlink to one included), or neither a run.json
    nor an events.jsonl that says what ran: :class:`BadInput`. A damaged kit still loads; the notes say what
    could not be read."""
    root = Path(root)
    kitfiles.refuse_symlinked_root(root)
    if not userfiles.exists(root, "KIT"):
        raise BadInput(f"{root}: no such directory; give an evidence kit directory (it holds run.json)")
    if not root.is_dir():
        raise BadInput(f"{root}: not a directory; give an evidence kit directory (it holds run.json)")
    notes: list[str] = []
    run: dict[str, Any] | None = None
    missing = False
    try:
        data = kitfiles.read_json(root, RUN, kitfiles.MAX_RUN_JSON)
    except Missing:
        missing = True
    except Refused as exc:
        notes.append(
            "run.json is not a pgwarden run record: this page is rebuilt from events.jsonl"
            if exc.why == "not valid JSON"
            else f"run.json cannot be read ({exc.why}): this page is rebuilt from events.jsonl"
        )
    else:
        if isinstance(data, dict) and ("gates" in data or "command" in data):
            run = data
        else:
            notes.append("run.json is not a pgwarden run record: this page is rebuilt from events.jsonl")
    if run is None:
        run = _from_events(root)
        if run is None:
            raise BadInput(f"{root}: not an evidence kit (no run.json and no events.jsonl that records a run)")
        if missing:
            notes.append(
                "the kit has no run.json (the run did not finish writing its kit): "
                "this page is rebuilt from events.jsonl"
            )
    return KitContent(root, run, _report(root, run, notes), tuple(notes))


def _report(root: Path, run: dict[str, Any], notes: list[str]) -> Report:
    try:
        return Report.from_json(kitfiles.read_json(root, REPORT_JSON, MAX_REPORT_JSON), lenient=True)
    except Missing:
        why = "the kit has no report.json (an older pgwarden wrote it, or the run did not finish)"
    except Refused as exc:
        why = f"report.json cannot be read ({exc.why})"
    except BadReport as exc:
        why = f"report.json is not a pgwarden report ({exc})"
    notes.append(f"{why}: this page shows the gates and verdict of run.json, and SUMMARY.md as text")
    return legacy_report(run, read_text(root, SUMMARY))


def gate_rows(run: dict[str, Any]) -> tuple[GateRow, ...]:
    """run.json's gates (any JSON), as the rows a :class:`Gates` block holds."""
    out = []
    for g in _l(run.get("gates")):
        if isinstance(g, dict):
            out.append(
                GateRow(
                    text(g.get("name")),
                    text(g.get("status")),
                    num(g.get("seconds")) or 0.0,
                    text(g.get("reason")),
                    text(g.get("started")),
                    text(g.get("finished")),
                )
            )
    return tuple(out)


def legacy_report(run: dict[str, Any], summary: str | None) -> Report:
    """A report for a kit without report.json: run.json's gates and verdict, SUMMARY.md as it is (text)."""
    command, status = text(run.get("command")) or "?", text(run.get("status")) or "?"
    args = _d(run.get("arguments"))
    package, dump = args.get("package"), args.get("dump")
    subject = package if isinstance(package, str) else os.path.basename(dump) if isinstance(dump, str) else ""
    blocks: list[Block] = [Gates("Gates", gate_rows(run))]
    if summary:
        blocks.append(Section("SUMMARY.md", (Code(tuple(summary.splitlines())),), "summary"))
    return Report(f"pgwarden {command}", subject, status, tuple(blocks))


def _d(x: object) -> dict[str, Any]:
    return x if isinstance(x, dict) else {}


def _l(x: object) -> list[Any]:
    return x if isinstance(x, list) else []


def _events(root: Path) -> list[Any] | None:
    """The records of events.jsonl, as far as they can be read within its bounds (None: not at all)."""
    out: list[Any] = []
    try:
        with kitfiles.open_file(root, EVENTS, kitfiles.MAX_EVENTS) as f:
            for line in kitfiles.lines(f):
                with contextlib.suppress(Refused):
                    out.append(kitfiles.loads(line))
    except Missing:
        return None
    except Refused:
        return out or None  # a line too long ends the reading; what came before still counts
    return out


def _from_events(root: Path) -> dict[str, Any] | None:
    """A run record rebuilt from the event chain: the start event, every gate event, the seal's status."""
    records = _events(root)
    if records is None:
        return None
    run: dict[str, Any] = {"gates": [], "result": {}, "status": "UNFINISHED"}
    seen = False
    for rec in records:
        if not isinstance(rec, dict):
            continue
        data = _d(rec.get("data"))
        kind = rec.get("kind")
        if kind == "start":
            seen = True
            run.update(
                command=data.get("command"),
                arguments=_d(data.get("arguments")),
                pgwarden_version=data.get("pgwarden"),
                started=rec.get("ts"),
            )
        elif kind == "gate":
            run["gates"].append(data)
        elif kind == "seal":
            run["status"] = data.get("status")
        if rec.get("ts"):
            run["finished"] = rec.get("ts")
    return run if seen else None
