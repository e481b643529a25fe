"""``report.html``: an evidence kit as one self-contained page, for a person to look at.

One file, no external fetches (inline CSS, inline SVG, no JavaScript), and a Content-Security-Policy
``default-src 'none'`` that forbids any fetch or script even if something slipped through. It shows the
verdict, a gate timeline drawn to scale, the bundles (TXN-1…n), the failing statement with the server's
error, the findings, the fingerprint differences as added / removed / changed lists, the backup's pin
and TOC header, the evidence check and how to re-run it, and the kit's own SUMMARY.md.

Everything on the page comes from the kit's files (``run.json``, ``SUMMARY.md``, ``findings.json``,
``probes/*.txt``; ``events.jsonl`` when ``run.json`` is missing), and a kit is untrusted input: every file
is read through :mod:`pgwarden.evidence.kitfiles` (regular files only, never through a symlink, bounded in
size and JSON nesting), every string is redacted, has its control characters and bidi overrides made
visible (:func:`pgwarden.textsafe.block`) and is HTML-escaped, every value is type-checked before use, and
lists are capped.

:func:`write_sealed_report` is what :meth:`pgwarden.evidence.kit.EvidenceKit.finish` calls, after
``run.json`` and ``SUMMARY.md`` and before the seal, so ``report.html`` is sealed and pinned with the
rest of the kit. That copy cannot show the check of the kit it is part of; ``pgwarden report KIT``
(:mod:`pgwarden.evidence.report`) renders a page with the check's result, outside the kit.

This module imports nothing of the kit writer or the verifier (the writer imports it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import math
import os
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgwarden import __version__, textsafe, userfiles
from pgwarden.errors import BadInput
from pgwarden.evidence import kitfiles
from pgwarden.evidence.kitfiles import Missing, Refused
from pgwarden.private import write_private
from pgwarden.redact import redact_text

REPORT = "report.html"
_RUN, _SUMMARY, _EVENTS, _SUMS, _FINDINGS = "run.json", "SUMMARY.md", "events.jsonl", "SHA256SUMS", "findings.json"
_MAX_TEXT = 4 << 20       # SUMMARY.md, probes/*.txt, SHA256SUMS shown; JSON: the bounds of kitfiles
_MAX_ITEMS = 400          # rows of any one list on the page
_MAX_GATES = 200

# What the page may load: nothing. Inline <style> only; no script, no image, no font, no frame, no form.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


# -- what the page is made of ------------------------------------------------------------------------
@dataclass(frozen=True)
class EvidenceCheck:
    """The result of ``pgwarden evidence verify`` on the kit, as the page shows it."""

    ok: bool
    files_checked: int
    events: int
    problems: tuple[tuple[str, str], ...]   # (file, problem)
    signature: str
    sums_sha256: str | None = None          # sha256 of SHA256SUMS itself: one value that pins the kit


@dataclass(frozen=True)
class KitContent:
    """A kit as read from its files. ``run`` is run.json's object (or one rebuilt from events.jsonl)."""

    root: Path
    run: dict[str, Any]
    summary: str | None
    notes: tuple[str, ...] = ()             # what could not be read, said on the page


# -- reading a kit (untrusted) -----------------------------------------------------------------------
def _read_text(root: Path, rel: str, limit: int) -> str | None:
    """A kit file as text, or None when it is missing, not a regular file, unreadable or larger than ``limit``."""
    try:
        return kitfiles.read_bytes(root, rel, limit).decode("utf-8", "replace")
    except Refused:
        return None


def load_kit(root: Path) -> KitContent:
    """Read ``root`` as an evidence kit. Not a directory (a symlink to one included), or neither a run.json
    nor an events.jsonl that says what ran: :class:`BadInput`. A damaged kit still loads; the page says what
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
        data = kitfiles.read_json(root, _RUN, kitfiles.MAX_RUN_JSON)
    except Missing:
        missing = True
    except Refused as exc:
        notes.append("run.json is not a pgwarden run record: this page is rebuilt from events.jsonl"
                     if exc.why == "not valid JSON" else
                     f"run.json cannot be read ({exc.why}): this page is rebuilt from events.jsonl")
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
            notes.append("the kit has no run.json (the run did not finish writing its kit): "
                         "this page is rebuilt from events.jsonl")
    return KitContent(root, run, _read_text(root, _SUMMARY, _MAX_TEXT), tuple(notes))


def _events(root: Path) -> list[Any] | None:
    """The records of events.jsonl, as far as they can be read within its bounds (None: not at all)."""
    out: list[Any] = []
    try:
        with kitfiles.open_file(root, _EVENTS, kitfiles.MAX_EVENTS) as f:
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
            run.update(command=data.get("command"), arguments=_d(data.get("arguments")),
                       pgwarden_version=data.get("pgwarden"), started=rec.get("ts"))
        elif kind == "gate":
            run["gates"].append(data)
        elif kind == "seal":
            run["status"] = data.get("status")
        if rec.get("ts"):
            run["finished"] = rec.get("ts")
    return run if seen else None


# -- small, type-safe accessors: a kit may hold anything ---------------------------------------------
def _d(x: object) -> dict[str, Any]:
    return x if isinstance(x, dict) else {}


def _l(x: object) -> list[Any]:
    return x if isinstance(x, list) else []


def _num(x: object) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    return float(x) if math.isfinite(x) else None


def _text(x: object) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, str):
        return x
    if isinstance(x, dict | list):
        return json.dumps(x, sort_keys=True, default=str)
    return str(x)


def _e(x: object) -> str:
    """Any kit value as escaped HTML text: redacted; control characters, bidi overrides and lone surrogates
    made visible (``\\x1b``, ``\\u202e``; line breaks kept); then HTML-escaped."""
    return html.escape(textsafe.block(redact_text(_text(x))), quote=True)


def _ts(x: object) -> float | None:
    if not isinstance(x, str) or not x:
        return None
    try:
        t = dt.datetime.fromisoformat(x.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.timestamp()


def _when(x: object) -> str:
    t = _ts(x)
    if t is None:
        return _text(x) or "—"
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _dur(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    m, s = divmod(seconds, 60)
    if m < 60:
        return f"{int(m)} min {s:.0f} s"
    h, m = divmod(m, 60)
    return f"{int(h)} h {int(m)} min"


def _capped(items: Sequence[Any], limit: int = _MAX_ITEMS) -> tuple[Sequence[Any], int]:
    return items[:limit], max(len(items) - limit, 0)


def _more(n: int, where: str = "") -> str:
    return f'<p class="muted">… and {n} more{" in " + _e(where) if where else ""}.</p>' if n else ""


# -- statuses and their colours (class names come only from these tables, never from the kit) --------
_STATUS_CLASS = {"PASS": "s-pass", "FAIL": "s-fail", "SKIPPED": "s-skip", "WAIVED": "s-waive",
                 "ERROR": "s-error", "INTERRUPTED": "s-intr"}
_OUTCOME_CLASS = {"applied": "s-pass", "already applied": "s-pass", "failed": "s-fail", "probe failed": "s-fail",
                  "in doubt": "s-waive", "rolled back": "s-rb", "rollback failed": "s-fail",
                  "not reached": "s-skip"}
_FILL = {"s-pass": "#1a7f37", "s-fail": "#cf222e", "s-skip": "#8c959f", "s-waive": "#bf8700",
         "s-error": "#8250df", "s-intr": "#bc4c00", "s-rb": "#0969da", "s-unknown": "#57606a"}


def _cls(status: object, table: Mapping[str, str] = _STATUS_CLASS) -> str:
    return table.get(_text(status), "s-unknown")


def _pill(status: object, table: Mapping[str, str] = _STATUS_CLASS) -> str:
    label = _text(status) or "?"
    return f'<span class="pill {_cls(status, table)}">{_e(label)}</span>'


# -- the page ----------------------------------------------------------------------------------------
def render(kit: KitContent, check: EvidenceCheck | None = None, *, kit_path: str | None = None) -> str:
    """The whole page. ``check`` is the evidence check's result (None: this copy is sealed inside the
    kit, which cannot hold the check of itself). ``kit_path`` is the path the re-run commands name."""
    run = kit.run
    result = _d(run.get("result"))
    gates = [g for g in _l(run.get("gates")) if isinstance(g, dict)][:_MAX_GATES]
    command = _text(run.get("command")) or "?"
    status = _text(run.get("status")) or "?"
    subject = _subject(run, result)
    path = kit_path or str(kit.root.absolute())
    title = f"pgwarden {command}{': ' + subject if subject else ''}: {status}"
    sections = [
        _verdict(kit, run, result, gates, command, status, subject, check),
        _failure_section(result, gates),  # what failed comes first: the statement and the server's error
        _gates_section(run, gates),
        _bundles_section(result, gates),
        _rehearsal_section(result, gates),
        _findings_section(kit, result, gates),
        _checks_section(result, gates),
        _differences_section(kit, command, result, gates),
        _backup_section(command, result, gates),
        _evidence_section(kit, check, path),
        _summary_section(kit.summary),
    ]
    body = "\n".join(s for s in sections if s)
    return (f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="pgwarden {_e(__version__)}">
<title>{_e(title)}</title>
<style>{CSS}</style>
</head>
<body>
<div class="wrap">
{_nav(body)}
{body}
<footer class="muted">Rendered by pgwarden {_e(__version__)} on {_e(_when(_now()))} from the kit
<code>{_e(path)}</code>. Self-contained: this page loads nothing and runs no script.</footer>
</div>
</body>
</html>
""")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


_NAV = (("verdict", "Verdict"), ("failure", "Failure"), ("gates", "Gates"), ("bundles", "Bundles"),
        ("rehearsal", "Rehearsal"), ("findings", "Findings"), ("checks", "Checks"), ("differences", "Differences"),
        ("backup", "Backup"), ("evidence", "Evidence check"), ("summary", "SUMMARY.md"))


def _nav(body: str) -> str:
    links = [f'<a href="#{sid}">{label}</a>' for sid, label in _NAV if f'<section id="{sid}"' in body
             or f'<header id="{sid}"' in body]
    return f'<nav id="toc">{" ".join(links)}</nav>'


def _subject(run: Mapping[str, Any], result: Mapping[str, Any]) -> str:
    """What the run was about: the package, else the database or the dump."""
    args = _d(run.get("arguments"))
    for v in (result.get("package"), args.get("package")):
        if isinstance(v, str) and v:
            return v
    server = _d(result.get("server")) or _d(_d(run.get("environment")).get("server"))
    if isinstance(server.get("database"), str) and run.get("command") == "backup":
        return f"database {server['database']}"
    for v in (result.get("dump"), args.get("dump")):
        if isinstance(v, str) and v:
            return os.path.basename(v)
    return ""


def _dl(rows: Iterable[tuple[str, object]], cls: str = "facts") -> str:
    items = "".join(f"<dt>{_e(k)}</dt><dd>{v if isinstance(v, _Html) else _e(v)}</dd>"
                    for k, v in rows if v not in (None, "", [], {}))
    return f'<dl class="{cls}">{items}</dl>' if items else ""


class _Html(str):
    """Markup this module made (already escaped): :func:`_dl` and :func:`_table` insert it as is."""


def _code(x: object) -> _Html:
    return _Html(f"<code>{_e(x)}</code>")


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], cls: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c if isinstance(c, _Html) else _e(c)}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _gate_problems(gates: Sequence[Mapping[str, Any]]) -> list[str]:
    return [f"gate {_text(g.get('name'))}: {_text(g.get('status'))}"
            + (f": {_text(g.get('reason'))}" if g.get("reason") else "")
            for g in gates if _text(g.get("status")) in ("FAIL", "ERROR", "INTERRUPTED")]


def _status_line(summary: str | None) -> str | None:
    """The sentence SUMMARY.md opens with: its "## Status" paragraph, or a "Verdict:" line."""
    if not summary:
        return None
    lines = summary.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "## Status":
            para: list[str] = []
            for nxt in lines[i + 1:]:
                if nxt.startswith("#") or (not nxt.strip() and para):
                    break
                if nxt.strip():
                    para.append(nxt.strip())
            return " ".join(para) or None
    return next((ln.strip() for ln in lines if ln.startswith("Verdict:")), None)


def _verdict(kit: KitContent, run: Mapping[str, Any], result: Mapping[str, Any], gates: Sequence[Mapping[str, Any]],
             command: str, status: str, subject: str, check: EvidenceCheck | None) -> str:
    started, finished = run.get("started"), run.get("finished")
    t0, t1 = _ts(started), _ts(finished)
    seconds = _num(result.get("seconds"))
    if seconds is None and t0 is not None and t1 is not None:
        seconds = max(t1 - t0, 0.0)
    env = _d(run.get("environment"))
    server = _d(env.get("server")) or _d(result.get("server"))
    server_text = ""
    if server.get("server_version"):
        server_text = f"PostgreSQL {_text(server.get('server_version'))}"
        if server.get("database"):
            server_text += f", database {_text(server.get('database'))}"
    args = _d(run.get("arguments"))
    package_path = args.get("package") if isinstance(args.get("package"), str) else None
    facts = _dl([("started", _when(started)), ("finished", _when(finished)), ("duration", _dur(seconds)),
                 ("server", server_text), ("command", _code(f"pgwarden {command}")), ("run", result.get("run_id")),
                 ("pgwarden", run.get("pgwarden_version"))])
    where = f'<p class="small mono">package {_e(package_path)}</p>' if package_path and package_path != subject \
        else ""
    counts: dict[str, int] = {}
    for g in gates:
        counts[_text(g.get("status"))] = counts.get(_text(g.get("status")), 0) + 1
    tally = " ".join(f'<span class="tally">{_pill(s)} {n}</span>' for s, n in sorted(counts.items()))
    ev = ('<span class="tally">evidence check: ' + (_pill("PASS") if check.ok else _pill("FAIL")) + "</span>"
          if check is not None else '<span class="tally">evidence: <span class="pill s-rb">SEALED</span></span>')
    reasons = [_text(r) for r in _l(result.get("reasons")) if r]
    why = list(dict.fromkeys(reasons or _gate_problems(gates)))  # the command's own words, else the gates'
    shown, more = _capped(why, 12)
    why_html = ("<ul class=\"why\">" + "".join(f"<li>{_e(w)}</li>" for w in shown) + "</ul>" + _more(more)
                if shown and status != "PASS" else "")
    line = _status_line(kit.summary)
    notes = "".join(f'<p class="note">{_e(n)}</p>' for n in kit.notes)
    warn = ""
    if check is not None and not check.ok:
        warn = ('<p class="tamper">The evidence check FAILED: this kit was changed after it was sealed, so '
                'nothing on this page can be trusted. See <a href="#evidence">Evidence check</a>.</p>')
    cls = {"PASS": "v-pass", "FAIL": "v-fail"}.get(status, "v-other")
    return f"""<header id="verdict" class="verdict {cls}">
<div class="big {_cls(status)}" id="verdict-status">{_e(status)}</div>
<div class="vbody">
<h1>pgwarden {_e(command)}{(' · ' + _e(subject)) if subject else ''}</h1>{where}
{f'<p class="lead">{_inline_md(line)}</p>' if line else ''}
{warn}{why_html}{notes}
{facts}
<div class="tallies">{tally} {ev}</div>
</div>
</header>"""


# -- gates: the timeline --------------------------------------------------------------------------
def _ticks(span: float) -> tuple[float, int]:
    """A round tick step for ``span`` seconds (at most 8 ticks), and the decimals its labels need."""
    for e in range(-3, 8):
        for k in (1, 2, 5):
            step = k * 10.0 ** e
            if span / step <= 8:
                return step, max(0, -e)
    return span, 0


def _placement(run: Mapping[str, Any], gates: Sequence[Mapping[str, Any]]) -> tuple[list[tuple[float, float]], float]:
    """Each gate's (offset from the start of the run, duration) in seconds, and the span of the axis."""
    starts = [_ts(g.get("started")) for g in gates]
    t0 = _ts(run.get("started"))
    known = [s for s in starts if s is not None]
    if known and (t0 is None or min(known) < t0):
        t0 = min(known)
    placed: list[tuple[float, float]] = []
    cursor = 0.0
    for g, s in zip(gates, starts, strict=True):
        sec = max(_num(g.get("seconds")) or 0.0, 0.0)
        off = max(s - t0, 0.0) if s is not None and t0 is not None else cursor
        placed.append((off, sec))
        cursor = off + sec
    t_end = _ts(run.get("finished"))
    total = (t_end - t0) if t_end is not None and t0 is not None else 0.0
    return placed, max([o + s for o, s in placed] + [total, 0.001])


def _timeline(run: Mapping[str, Any], gates: Sequence[Mapping[str, Any]]) -> str:
    placed, span = _placement(run, gates)
    step, decimals = _ticks(span)
    left, right, value_x, width = 190.0, 850.0, 955.0, 960
    scale = (right - left) / span
    row_h, top = 26, 30
    height = top + row_h * len(gates) + 8
    out = [f'<svg id="timeline" class="timeline" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'preserveAspectRatio="xMinYMin meet" aria-labelledby="timeline-title">',
           f'<title id="timeline-title">Gate timeline: {len(gates)} gates over {_e(_dur(span))}, drawn to scale'
           "</title>"]
    n = 0
    while n * step <= span * 1.0001 and n <= 12:
        x = left + n * step * scale
        out.append(f'<line class="grid" x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - 6}"/>')
        out.append(f'<text class="tick" x="{x:.1f}" y="{top - 13}" text-anchor="middle">{n * step:.{decimals}f} s'
                   "</text>")
        n += 1
    for i, (g, (off, sec)) in enumerate(zip(gates, placed, strict=True)):
        y = top + i * row_h
        cls = _cls(g.get("status"))
        name, st = _text(g.get("name")) or "?", _text(g.get("status")) or "?"
        x = left + off * scale
        w = max(sec * scale, 3.0)
        x = min(x, right - w)
        tip = f"{name}: {st}, {_dur(sec)}" + (f" — {_text(g.get('reason'))}" if g.get("reason") else "")
        out.append(f'<g class="row">'
                   f'<rect class="track" x="{left}" y="{y + 4}" width="{right - left}" height="{row_h - 8}" rx="3"/>'
                   f'<text class="gname" x="8" y="{y + 17}">{i + 1}. {_e(name[:28])}</text>'
                   f'<rect class="bar {cls}" x="{x:.2f}" y="{y + 5}" width="{w:.2f}" height="{row_h - 10}" rx="2" '
                   f'fill="{_FILL[cls]}"><title>{_e(tip)}</title></rect>'
                   f'<text class="gval" x="{value_x}" y="{y + 17}" text-anchor="end">'
                   f'<tspan class="t-{cls}">{_e(st)}</tspan> {_e(_dur(sec))}</text></g>')
    out.append("</svg>")
    return "".join(out)


def _legend() -> str:
    items = [("PASS", "s-pass"), ("FAIL", "s-fail"), ("SKIPPED", "s-skip"), ("WAIVED", "s-waive"),
             ("ERROR", "s-error"), ("INTERRUPTED", "s-intr")]
    return ('<p class="legend">' + "".join(f'<span><span class="sw {c}"></span>{s}</span>' for s, c in items)
            + "</p>")


def _gates_section(run: Mapping[str, Any], gates: Sequence[Mapping[str, Any]]) -> str:
    if not gates:
        return '<section id="gates"><h2>Gates</h2><p class="muted">The kit records no gate.</p></section>'
    placed, _span = _placement(run, gates)
    rows = [(i, _Html(f"<code>{_e(g.get('name'))}</code>"), _Html(_pill(g.get("status"))),
             _dur(_num(g.get("seconds"))), f"+{off:.3f} s", g.get("reason") or "")
            for i, (g, (off, _sec)) in enumerate(zip(gates, placed, strict=True), 1)]
    return (f'<section id="gates"><h2>Gates</h2>'
            f'<p class="muted">Each bar starts when its gate started and is as long as it ran, on one time axis '
            f"from the start of the run; a gate that did not run is a thin mark where it was recorded.</p>"
            f"{_timeline(run, gates)}{_legend()}"
            f'{_table(("#", "gate", "status", "took", "at", "why"), rows, "gates")}</section>')


# -- bundles -------------------------------------------------------------------------------------
def _bundles_section(result: Mapping[str, Any], gates: Sequence[Mapping[str, Any]]) -> str:
    bundles = [b for b in _l(result.get("bundles")) if isinstance(b, dict)]
    if not bundles:
        return ""
    if any("outcome" in b for b in bundles):
        rows = []
        for b in bundles[:_MAX_ITEMS]:
            attempts = [a for a in _l(b.get("attempts")) if isinstance(a, dict)]
            secs = sum(_num(a.get("seconds")) or 0.0 for a in attempts)
            notes = []
            if len(attempts) > 1:
                notes.append(f"{len(attempts)} attempts: " + ", ".join(
                    f"{_text(a.get('outcome'))}" for a in attempts))
            if b.get("atomic") is False:
                notes.append("non-atomic (transaction = false)")
            for p in _l(b.get("probes")):
                p = _d(p)
                notes.append(f"probe {_text(p.get('name'))}: {'PASS' if p.get('ok') else 'FAIL'} "
                             f"(expected {_text(p.get('expected'))}, got {_text(p.get('actual'))})")
            rb = _d(b.get("rollback_error"))
            if rb:
                notes.append(f"rollback failed: {_text(rb.get('message'))} (SQLSTATE {_text(rb.get('sqlstate'))})")
            order = _num(b.get("order"))
            rows.append((_Html(f'<b>TXN-{int(order) if order is not None else "?"}</b>'), _code(b.get("id")),
                         b.get("title") or "", _Html(_pill(b.get("outcome"), _OUTCOME_CLASS)),
                         len(attempts), _dur(secs) if attempts else "—", "; ".join(notes)))
        counts: dict[str, int] = {}
        for b in bundles:
            counts[_text(b.get("outcome"))] = counts.get(_text(b.get("outcome")), 0) + 1
        tally = ", ".join(f"{n} {o}" for o, n in counts.items())
        rolled = [_text(x) for x in _l(result.get("rolled_back"))]
        extra = f" Rolled back, in reverse order: {', '.join(rolled)}." if rolled else ""
        eq = result.get("equals_probe_before")
        if isinstance(eq, bool) and (rolled or result.get("failed_bundle")):
            extra += f" Production equals probe-before: {'YES' if eq else 'NO'}."
        table = _table(("order", "bundle", "title", "outcome", "attempts", "took", "notes"), rows, "bundles")
        return (f'<section id="bundles"><h2>Bundles</h2><p>{_e(tally)}.{_e(extra)}</p>{table}'
                f"{_more(len(bundles) - _MAX_ITEMS) if len(bundles) > _MAX_ITEMS else ''}</section>")
    rows2 = [(_Html(f"<b>TXN-{_e(b.get('order'))}</b>"), _code(b.get("id")), b.get("title") or "",
              b.get("statements"), b.get("errors"), b.get("warnings"),
              b.get("rollback") or b.get("rollback_reason") or "") for b in bundles[:_MAX_ITEMS]]
    return (f'<section id="bundles"><h2>Bundles</h2><p class="muted">The locked execution order.</p>'
            f'{_table(("order", "bundle", "title", "statements", "errors", "warnings", "rollback"), rows2)}'
            "</section>")


def _gate(gates: Sequence[Mapping[str, Any]], name: str) -> dict[str, Any]:
    for g in reversed(gates):
        if g.get("name") == name:
            return dict(g)
    return {}


def _rehearsal_section(result: Mapping[str, Any], gates: Sequence[Mapping[str, Any]]) -> str:
    details = _d(_gate(gates, "rehearsal").get("details"))
    steps = [s for s in _l(details.get("steps") or result.get("steps")) if isinstance(s, dict)]
    if not steps:
        return ""
    columns = ("apply", "probe", "rollback", "re-apply")
    by: dict[str, dict[str, dict[str, Any]]] = {}
    package_steps = []
    for s in steps:
        if s.get("bundle") is None:
            package_steps.append(s)
        else:
            by.setdefault(_text(s.get("bundle")), {})[_text(s.get("step"))] = s

    def cell(s: dict[str, Any] | None) -> _Html:
        if s is None:
            return _Html('<span class="muted">—</span>')
        note = f'<div class="small">{_e(s.get("note"))}</div>' if s.get("note") else ""
        return _Html(f"{_pill(s.get('status'))} {_e(_dur(_num(s.get('seconds'))))}{note}")

    rows: list[tuple[object, ...]] = [(_code(b), *(cell(st.get(c)) for c in columns))
                                      for b, st in list(by.items())[:_MAX_ITEMS]]
    rows += [(_Html(f"<i>{_e(s.get('step'))}</i>"), cell(s), "", "", "") for s in package_steps]
    return ('<section id="rehearsal"><h2>Rehearsal</h2><p class="muted">On a throwaway clone: each bundle '
            "applied, rolled back (must return to the state before it) and applied again; then everything rolled "
            "back in reverse.</p>" + _table(("bundle", *columns), rows, "steps") + "</section>")


# -- the failure: statement and server error ----------------------------------------------------------
def _error_card(title: str, err: Mapping[str, Any], cls: str = "err") -> str:
    where = ""
    if err.get("file"):
        where = f"{_text(err.get('file'))}:{_text(err.get('line'))}:{_text(err.get('col'))}"
    rows: list[tuple[str, object]] = [("SQLSTATE", _code(err.get("sqlstate")) if err.get("sqlstate") else None),
                                      ("message", err.get("message")), ("detail", err.get("detail")),
                                      ("hint", err.get("hint")), ("context", err.get("context")),
                                      ("at", _code(where) if where else None)]
    stmt = f'<pre class="stmt">{_e(err.get("statement"))}</pre>' if err.get("statement") else ""
    return (f'<div class="{cls}"><h3>{_e(title)}</h3>{stmt}{_dl(rows, "errfacts")}</div>')


def _failure_section(result: Mapping[str, Any], gates: Sequence[Mapping[str, Any]]) -> str:
    cards = []
    failure = _d(result.get("failure"))
    if failure:
        where = f" at {_text(failure.get('file'))}:{_text(failure.get('line'))}:{_text(failure.get('col'))}" \
            if failure.get("file") else ""
        bundle = result.get("failed_bundle")
        cards.append(_error_card(f"Bundle {_text(bundle)} failed{where}" if bundle else f"Failed{where}", failure))
    for b in _l(result.get("bundles"))[:_MAX_ITEMS]:
        rb = _d(_d(b).get("rollback_error"))
        if rb:
            cards.append(_error_card(f"Rollback of bundle {_text(_d(b).get('id'))} failed", rb))
    details = _d(_gate(gates, "rehearsal").get("details"))
    for f in _l(details.get("findings") or result.get("findings"))[:_MAX_ITEMS]:
        f = _d(f)
        err = _d(f.get("error"))
        title = f"Rehearsal: {_text(f.get('bundle') or 'package')}, {_text(f.get('step'))}"
        if err:
            cards.append(_error_card(title, err))
        elif f.get("message"):
            cards.append(f'<div class="err"><h3>{_e(title)}</h3><p>{_e(f.get("message"))}</p></div>')
    repair = [_text(x) for x in _l(result.get("manual_repair"))]
    if repair:
        shown, more = _capped(repair)
        cards.append('<div class="err"><h3>Manual repair required</h3><p>What differs from probe-before:</p>'
                     f'<pre class="stmt">{_e(chr(10).join(shown))}</pre>{_more(more)}</div>')
    if not cards:
        return ""
    return ('<section id="failure"><h2>Failure</h2><p class="muted">The failing statement and the server\'s '
            "error, exactly as PostgreSQL reported them.</p>" + "".join(cards) + "</section>")


# -- findings (lint and preflight) -------------------------------------------------------------------
def _findings_section(kit: KitContent, result: Mapping[str, Any], gates: Sequence[Mapping[str, Any]]) -> str:
    found: list[dict[str, Any]] = []
    with contextlib.suppress(Refused):
        found += [f for f in _l(kitfiles.read_json(kit.root, _FINDINGS, kitfiles.MAX_FINDINGS)) if isinstance(f, dict)]
    for g in gates:
        found += [f for f in _l(_d(g.get("details")).get("findings")) if isinstance(f, dict) and "rule" in f]
    seen: set[tuple[str, ...]] = set()
    unique = []
    for f in found:
        key = tuple(_text(f.get(k)) for k in ("rule", "file", "line", "col", "message"))
        if key not in seen:
            seen.add(key)
            unique.append(f)
    if not unique:
        return ""
    unique.sort(key=lambda f: (f.get("severity") != "error", _text(f.get("file")), _num(f.get("line")) or 0))
    shown, more = _capped(unique)
    rows = []
    for f in shown:
        sev = _text(f.get("severity")) or "error"
        pill = f'<span class="pill {"s-fail" if sev == "error" else "s-waive"}">{_e(sev)}</span>'
        why = _e(f.get("message"))
        for label in ("sqlstate", "hint", "fix"):
            if f.get(label):
                why += f'<div class="small"><b>{label}</b> {_inline_md(_text(f.get(label)))}</div>'
        rule = _Html(f"<code>{_e(f.get('rule')).replace('.', '.<wbr>')}</code>")  # breaks after a dot
        where = _code(f"{_text(f.get('file'))}:{_text(f.get('line'))}:{_text(f.get('col'))}")
        rows.append((_Html(pill), where, rule, _Html(why), _Html(f'<pre class="cell">{_e(f.get("statement"))}</pre>')))
    errors = sum(1 for f in unique if f.get("severity", "error") == "error")
    return (f'<section id="findings"><h2>Findings</h2><p>{errors} error(s), {len(unique) - errors} warning(s), '
            "from the policy lint and the preflight against the live catalog.</p>"
            f'{_table(("", "where", "rule", "what", "statement"), rows, "findings")}{_more(more)}</section>')


# -- checks ([verify] and expectations) ------------------------------------------------------------------
def _checks_section(result: Mapping[str, Any], gates: Sequence[Mapping[str, Any]]) -> str:
    checks = [c for c in _l(result.get("verify")) + _l(result.get("checks")) if isinstance(c, dict)]
    if not checks:
        return ""
    failed = [c for c in checks if not c.get("ok")]

    def rows(cs: Sequence[dict[str, Any]]) -> list[tuple[object, ...]]:
        return [(_Html(_pill("PASS" if c.get("ok") else "FAIL")), c.get("kind"), _code(c.get("name")),
                 c.get("expected"), c.get("actual"), c.get("error") or c.get("method") or "")
                for c in _capped(cs)[0]]

    head = ("", "kind", "name", "expected", "actual", "how / error")
    body = f"<p>{len(checks) - len(failed)} of {len(checks)} check(s) passed.</p>"
    if failed:
        body += _table(head, rows(failed), "checks")
    passed = [c for c in checks if c.get("ok")]
    if passed:
        body += f"<details><summary>{len(passed)} passing check(s)</summary>{_table(head, rows(passed))}</details>"
    return f'<section id="checks"><h2>Checks</h2>{body}</section>'


# -- fingerprint differences -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Diff:
    title: str
    source: str
    added: tuple[tuple[str, str, str], ...]     # (kind, name, why/tag)
    removed: tuple[tuple[str, str, str], ...]
    changed: tuple[tuple[str, str, str], ...]
    notes: tuple[str, ...]
    identical: bool


def _parse_diff(lines: Iterable[str], title: str, source: str,
                tags: Sequence[str] | None = None) -> _Diff:
    """``+ kind name`` / ``- kind name[: why]`` / ``~ kind name: why`` lines (probe diff and fidelity)."""
    added: list[tuple[str, str, str]] = []
    removed: list[tuple[str, str, str]] = []
    changed: list[tuple[str, str, str]] = []
    notes: list[str] = []
    for i, raw in enumerate(lines):
        line = raw.rstrip("\n")
        tag = tags[i] if tags is not None and i < len(tags) else ""
        if not line.strip() or line.strip() == "IDENTICAL":
            continue
        if line.startswith("note: "):
            notes.append(line[6:])
            continue
        sign, rest = line[:1], line[2:] if line[1:2] == " " else line[1:]
        if sign not in "+-~" or not rest:
            notes.append(line)
            continue
        head, _, why = rest.partition(": ")
        kind, _, name = head.partition(" ")
        why = " · ".join(x for x in (why, tag) if x)
        item = (kind, name or kind, why)
        {"+": added, "-": removed, "~": changed}[sign].append(item)
    return _Diff(title, source, tuple(added), tuple(removed), tuple(changed), tuple(notes),
                 not (added or removed or changed))


def _diffs(kit: KitContent, command: str, result: Mapping[str, Any], gates: Sequence[Mapping[str, Any]]) -> list[_Diff]:
    out: list[_Diff] = []
    rollback = _d(_gate(gates, "rollback").get("details"))
    if rollback.get("equals_probe_before") is False:
        out.append(_parse_diff([_text(x) for x in _l(rollback.get("difference"))],
                               "After the rollback: what still differs from probe-before", "rollback gate"))
    diff_txt = _read_text(kit.root, "probes/diff.txt", _MAX_TEXT)
    if diff_txt is not None:
        title = {"apply": "Target: probe-before → probe-after",
                 "verify-backup": "Production: before → after the verification"}.get(command,
                                                                                     "probe-before → probe-after")
        out.append(_parse_diff(diff_txt.splitlines(), title, "probes/diff.txt"))
    fid = _d(_gate(gates, "fidelity").get("details"))
    if "differences" in fid:
        items = [_d(x) for x in _l(fid.get("differences"))]
        tags = [("expected: " if x.get("expected") else "UNEXPECTED: ") + _text(x.get("why")) for x in items]
        out.append(_parse_diff([_text(x.get("line")) for x in items],
                               "Restore fidelity: the source record → the restored copy", "fidelity gate", tags))
    rehearsal = _d(_gate(gates, "rehearsal").get("details"))
    for f in _l(rehearsal.get("findings") or result.get("findings")):
        f = _d(f)
        if _l(f.get("difference")):
            out.append(_parse_diff([_text(x) for x in _l(f.get("difference"))],
                                   f"Rehearsal: bundle {_text(f.get('bundle'))}, {_text(f.get('step'))}: "
                                   f"{_text(f.get('message'))}", "rehearsal gate"))
    return out


def _diff_group(label: str, cls: str, sign: str, items: Sequence[tuple[str, str, str]]) -> str:
    """One of added / removed / changed: a heading with its count, then one row per object."""
    if not items:
        return ""
    shown, more = _capped(items)
    rows = "".join(f'<tr><td class="sign {cls}">{sign}</td><td class="kind">{_e(k)}</td>'
                   f'<td><code>{_e(n)}</code>{f"<div class=small>{_e(w)}</div>" if w else ""}</td></tr>'
                   for k, n, w in shown)
    return (f'<h4 class="{cls}">{label} ({len(items)})</h4><table class="dtable"><tbody>{rows}</tbody></table>'
            + _more(more))


def _differences_section(kit: KitContent, command: str, result: Mapping[str, Any],
                         gates: Sequence[Mapping[str, Any]]) -> str:
    diffs = _diffs(kit, command, result, gates)
    if not diffs:
        return ""
    blocks = []
    for d in diffs:
        notes = "".join(f'<p class="muted small">note: {_e(n)}</p>' for n in d.notes[:20])
        if d.identical:
            blocks.append(f'<div class="diff"><h3>{_e(d.title)}</h3><p class="same"><span class="pill s-pass">'
                          f"IDENTICAL</span> no object added, removed or changed "
                          f'<span class="muted">({_e(d.source)})</span></p>{notes}</div>')
            continue
        blocks.append(
            f'<div class="diff"><h3>{_e(d.title)}</h3><p class="counts"><b class="c-add">{len(d.added)} added</b> · '
            f'<b class="c-rem">{len(d.removed)} removed</b> · <b class="c-chg">{len(d.changed)} changed</b> '
            f'<span class="muted small">({_e(d.source)})</span></p>'
            + _diff_group("Added", "c-add", "+", d.added) + _diff_group("Removed", "c-rem", "−", d.removed)
            + _diff_group("Changed", "c-chg", "~", d.changed) + notes + "</div>")
    return ('<section id="differences"><h2>Fingerprint differences</h2>' + "".join(blocks) + "</section>")


# -- backup: pin and TOC header -----------------------------------------------------------------------
def _backup_section(command: str, result: Mapping[str, Any], gates: Sequence[Mapping[str, Any]]) -> str:
    b = _d(result.get("backup")) if command == "apply" else dict(result) if command in (
        "backup", "verify-backup") else {}
    if not b:
        return ""
    if b.get("waived"):
        return ('<section id="backup"><h2>Backup</h2><p>No backup was taken by this run (--no-backup). The '
                f'operator\'s backup: sha256 <code class="pin">{_e(b.get("sha256"))}</code>.</p></section>')
    pin = _d(b.get("pin"))
    sha = b.get("sha256") or pin.get("actual")
    size = _num(b.get("bytes") if b.get("bytes") is not None else b.get("dump_bytes"))
    rows: list[tuple[str, object]] = [
        ("dump", _code(b.get("dump") or b.get("dump_path"))),
        ("sha256", _Html(f'<code class="pin" id="backup-sha256">{_e(sha)}</code>') if sha else None),
        ("pin check", _Html(_pill(pin.get("status"))) if pin.get("status") else None),
        ("pinned in", ", ".join(_text(s) for s in _l(pin.get("sources"))) or None),
        ("size", f"{int(size):,} bytes" if size is not None else None),
        ("format", b.get("format_line") or b.get("format")),
        ("TOC entries", b.get("toc_entries")),
        ("taken", _when(b.get("taken_at") or b.get("backup_taken_at")) if (b.get("taken_at") or
                                                                         b.get("backup_taken_at")) else None),
        ("schema-only dump", _code(b.get("schema_sha256")) if b.get("schema_sha256") else None),
        ("backup kit", _code(b.get("kit")) if command == "apply" and b.get("kit") else None),
    ]
    problems = "".join(f'<p class="tamper">{_e(p)}</p>' for p in _l(pin.get("problems"))[:20])
    files = [_d(f) for f in _l(b.get("files"))]
    files_html = ""
    if len(files) > 1:
        shown, more = _capped(files)
        files_html = ("<details><summary>" + f"{len(files)} files of the directory-format dump</summary>"
                      + _table(("file", "sha256", "bytes"), [(_code(f.get("rel")), _code(f.get("sha256")),
                                                              f.get("bytes")) for f in shown]) + _more(more)
                      + "</details>")
    header = _d(b.get("header"))
    header_html = (f'<h3>pg_restore -l header</h3>{_table(("field", "value"), list(header.items()), "kv toc")}'
                   if header else "")
    return (f'<section id="backup"><h2>Backup</h2>{_dl(rows, "kvl")}{problems}{files_html}{header_html}</section>')


# -- the evidence check ------------------------------------------------------------------------------
def _evidence_section(kit: KitContent, check: EvidenceCheck | None, path: str) -> str:
    q = shlex.quote(path)
    signed = kitfiles.is_regular(kit.root, "SHA256SUMS.sig")
    key = " --key SIGNER.pub" if signed else ""
    cmds = [("the check: every file, the event chain and its seal" + (", and the signature" if signed else ""),
             f"pgwarden evidence verify {q}{key}"),
            ("the files only (not the chain or its seal), with coreutils",
             f"(cd {q} && sha256sum -c --strict SHA256SUMS)"),
            ("this page again, with the check's result", f"pgwarden report {q}{key} --html FILE.html")]
    rerun = ('<h3>Re-run it</h3><pre class="cmd" id="rerun">'
             + "\n".join(f'<span class="cm"># {_e(c)}</span>\n{_e(cmd)}' for c, cmd in cmds) + "</pre>")
    if check is None:
        body = ('<p><span class="pill s-rb">SEALED</span> This page was written when the kit was sealed, and is '
                f"itself listed in <code>{_SUMS}</code> and sealed in <code>{_EVENTS}</code> with every other file. "
                "A page inside the kit cannot show the check of the kit it belongs to: run the check.</p>")
    elif check.ok:
        body = (f'<p><span class="pill s-pass">PASS</span> <b>kit OK</b>: {check.files_checked} files match '
                f"<code>{_SUMS}</code> and the hashes sealed in the event chain; {check.events} chained events, "
                "unbroken.</p>")
    else:
        shown, more = _capped(check.problems)
        body = (f'<p><span class="pill s-fail">FAIL</span> <b>kit FAILED verification</b>: {len(check.problems)} '
                "problem(s). The kit was changed after it was sealed.</p>"
                + _table(("file", "problem"), [(_code(f), p) for f, p in shown], "problems") + _more(more))
    if check is not None:
        body += _dl([("signature", check.signature),
                     ("sha256 of SHA256SUMS", _code(check.sums_sha256) if check.sums_sha256 else None)], "kvl")
    body += _kit_files(kit.root)
    return f'<section id="evidence"><h2>Evidence check</h2>{body}{rerun}</section>'


def _kit_files(root: Path) -> str:
    """The files of the kit as SHA256SUMS lists them (or, before the seal, as they are on disk)."""
    sums = _read_text(root, _SUMS, _MAX_TEXT)
    rows: list[tuple[object, ...]] = []
    if sums is not None:
        for line in sums.splitlines():
            digest, _, rel = line.partition("  ")
            if rel:
                rows.append((_code(rel), _code(digest)))
        head: tuple[str, ...] = ("file", "sha256 (SHA256SUMS)")
    else:
        try:
            walked = kitfiles.walk(root)
        except Refused:
            walked = kitfiles.KitWalk((), ())
        for rel in walked.files:
            try:
                size = os.lstat(root / rel).st_size
            except OSError:
                continue
            rows.append((_code(rel), f"{size:,} bytes"))
        rows += [(_code(rel), why) for rel, why in walked.refused]
        rows.sort(key=str)
        head = ("file", "size")
    if not rows:
        return ""
    shown, more = _capped(rows)
    return (f"<details><summary>{len(rows)} files in the kit</summary>{_table(head, shown, 'files')}"
            f"{_more(more)}</details>")


# -- SUMMARY.md (the subset pgwarden writes), escaped -----------------------------------------------
_INLINE_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CELL = re.compile(r"(?<!\\)\|")


def _inline_md(text: str) -> str:
    s = _e(text)
    s = _INLINE_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", s)
    return _BOLD.sub(lambda m: f"<strong>{m.group(1)}</strong>", s)


def _md(text: str) -> str:
    """Headings, paragraphs, lists, tables and fenced code: what SUMMARY.md holds. Never raw HTML."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    para: list[str] = []

    def flush() -> None:
        if para:
            out.append(f"<p>{_inline_md(' '.join(para))}</p>")
            para.clear()

    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            flush()
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append(f"<pre>{_e(chr(10).join(lines[i + 1:j]))}</pre>")
            i = j + 1
            continue
        if line.startswith("#"):
            flush()
            level = min(len(line) - len(line.lstrip("#")) + 2, 6)
            out.append(f"<h{level}>{_inline_md(line.lstrip('#').strip())}</h{level}>")
        elif line.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip().replace("\\|", "|") for c in _CELL.split(lines[i].strip())[1:-1]]
                if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            if rows:
                head = "".join(f"<th>{_inline_md(c)}</th>" for c in rows[0])
                body = "".join("<tr>" + "".join(f"<td>{_inline_md(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
                out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            continue
        elif re.match(r"\s*(?:[-*]|\d+\.)\s", line):
            flush()
            items = []
            while i < len(lines) and re.match(r"\s*(?:[-*]|\d+\.)\s", lines[i]):
                items.append(re.sub(r"^\s*(?:[-*]|\d+\.)\s+", "", lines[i]))
                i += 1
            out.append("<ul>" + "".join(f"<li>{_inline_md(x)}</li>" for x in items) + "</ul>")
            continue
        elif not line.strip():
            flush()
        else:
            para.append(line.strip())
        i += 1
    flush()
    return "\n".join(out)


def _summary_section(summary: str | None) -> str:
    if not summary:
        return ""
    return ('<section id="summary"><h2>SUMMARY.md</h2><details><summary>The kit\'s own report, in full</summary>'
            f'<div class="md">{_md(summary)}</div></details></section>')


# -- the kit writer's hook ---------------------------------------------------------------------------
def write_sealed_report(root: Path) -> None:
    """Write ``root/report.html`` from the kit's files, for :meth:`EvidenceKit.finish` just before the seal.

    Never stops a kit from being sealed: a kit this renderer cannot make sense of gets a page that says
    so, and a write that fails (a full disk) leaves no partial file (the kit is sealed without one)."""
    root = Path(root)
    if root.is_symlink():  # the writer's own kit, made through a symlinked --out: its reader refuses the link
        root = Path(os.path.realpath(root))
    try:
        page = render(load_kit(root))
    except Exception as exc:  # the seal matters more than the page; the page says what went wrong
        page = _fallback(f"{type(exc).__name__}: {exc}")
    target = root / REPORT
    try:
        write_private(target, page.encode("utf-8", "replace"))
    except OSError:
        target.unlink(missing_ok=True)


def _fallback(why: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}"><title>pgwarden report</title>'
            f"<style>{CSS}</style></head><body><div class=\"wrap\"><h1>pgwarden report</h1>"
            f'<p class="tamper">This page could not be rendered: {_e(why)}. SUMMARY.md and run.json hold the '
            "record.</p></div></body></html>\n")


CSS = """
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--panel:#f6f8fa;--pass:#1a7f37;--fail:#cf222e;
--skip:#8c959f;--waive:#bf8700;--error:#8250df;--intr:#bc4c00;--rb:#0969da}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);
font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Liberation Sans",Arial,sans-serif}
.wrap{max-width:1200px;margin:0 auto;padding:20px 32px 48px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace;
font-size:12.5px}
code{background:var(--panel);border-radius:4px;padding:0 4px;overflow-wrap:anywhere}
pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px 12px;overflow-x:auto;
white-space:pre-wrap;overflow-wrap:anywhere;margin:8px 0}
h1{font-size:22px;margin:0 0 6px;overflow-wrap:anywhere}
h2{font-size:18px;margin:0 0 10px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:14px 0 6px}
h4{font-size:13px;margin:0 0 6px}
a{color:var(--rb);text-decoration:none}
a:hover{text-decoration:underline}
nav{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px;margin-bottom:14px;color:var(--muted)}
section{margin-top:28px}
.muted{color:var(--muted)}
.small{font-size:12px;color:var(--muted);overflow-wrap:anywhere}
.verdict{display:flex;gap:22px;align-items:flex-start;padding:18px 22px;border-radius:10px;border:1px solid}
.v-pass{background:#dafbe1;border-color:#4ac26b}
.v-fail{background:#ffebe9;border-color:#ff8182}
.v-other{background:#fff8c5;border-color:#d4a72c}
.verdict .big{flex:none;min-width:120px;text-align:center;color:#fff;font-size:30px;font-weight:800;
letter-spacing:.04em;padding:14px 18px;border-radius:8px}
.vbody{flex:1;min-width:0}
.lead{font-size:15px;margin:4px 0 8px}
ul.why{margin:6px 0 10px;padding-left:20px}
ul.why li{margin:2px 0;overflow-wrap:anywhere}
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr) max-content minmax(0,1fr);gap:2px 14px;
margin:8px 0}
dl.facts dt,dl.kvl dt{color:var(--muted)}
dl.facts dd,dl.kvl dd{margin:0;overflow-wrap:anywhere}
dl.kvl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:3px 18px;margin:8px 0}
.vbody .mono{margin:-2px 0 6px}
.tallies{display:flex;flex-wrap:wrap;gap:6px 16px;margin-top:8px}
.tally{white-space:nowrap}
.note{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:6px 10px}
.tamper{background:#ffebe9;border:1px solid #ff8182;border-radius:6px;padding:6px 10px;font-weight:600}
.pill{display:inline-block;padding:0 8px;border-radius:999px;font-size:12px;font-weight:700;color:#fff;
line-height:20px;white-space:nowrap}
.s-pass{background:var(--pass)}.s-fail{background:var(--fail)}.s-skip{background:var(--skip)}
.s-waive{background:var(--waive)}.s-error{background:var(--error)}.s-intr{background:var(--intr)}
.s-rb{background:var(--rb)}.s-unknown{background:#57606a}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{text-align:left;vertical-align:top;padding:5px 10px;border-bottom:1px solid var(--line)}
td{overflow-wrap:anywhere}
th{background:var(--panel);font-weight:600;font-size:13px}
table.gates td:nth-child(-n+5),table.bundles td:nth-child(1),table.bundles td:nth-child(2),
table.bundles td:nth-child(6){white-space:nowrap}
table.gates code,table.bundles code{white-space:nowrap}
table.kv{width:auto;min-width:50%}
table.kv td:first-child{color:var(--muted);white-space:nowrap;padding-right:28px}
.timeline{display:block;max-width:100%;height:auto;border:1px solid var(--line);border-radius:8px;background:#fff}
.timeline text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif;fill:#1f2328}
.timeline .tick{fill:#59636e;font-size:11px}
.timeline .grid{stroke:#eaeef2;stroke-width:1}
.timeline .track{fill:#f6f8fa}
.timeline .gval{font-variant-numeric:tabular-nums}
.timeline .t-s-pass{fill:var(--pass);font-weight:700}.timeline .t-s-fail{fill:var(--fail);font-weight:700}
.timeline .t-s-skip{fill:#6e7781;font-weight:700}.timeline .t-s-waive{fill:var(--waive);font-weight:700}
.timeline .t-s-error{fill:var(--error);font-weight:700}.timeline .t-s-intr{fill:var(--intr);font-weight:700}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:var(--muted);margin:6px 0}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.err{border:1px solid #ff8182;border-left:6px solid var(--fail);background:#fff8f7;border-radius:8px;
padding:10px 16px;margin:10px 0}
.err h3{margin:4px 0 8px;color:#a40e26}
pre.stmt{background:#fff;border-color:#ffcecb}
dl.errfacts{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:6px 0}
dl.errfacts dt{color:var(--muted);font-weight:600}
dl.errfacts dd{margin:0;overflow-wrap:anywhere}
.diff{border:1px solid var(--line);border-radius:8px;padding:4px 16px 10px;margin:10px 0}
table.dtable{margin:2px 0 10px}
table.dtable td{padding:3px 8px;border-bottom:1px dashed #eaeef2}
td.sign{width:18px;font-weight:800;font-size:15px;text-align:center}
table.dtable td{vertical-align:baseline}
td.kind{width:110px;white-space:nowrap;font-size:11px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.diff h4{margin:10px 0 2px}
.counts{margin:2px 0 4px}
.c-add{color:var(--pass)}.c-rem{color:var(--fail)}.c-chg{color:var(--waive)}
.same{margin:6px 0}
code.pin{font-size:13px;font-weight:600}
pre.cmd{background:#0d1117;color:#e6edf3;border-color:#0d1117;line-height:1.6}
pre.cmd .cm{color:#8b949e}
table.gates td:last-child{width:100%}
details{margin:8px 0}
summary{cursor:pointer;color:var(--rb)}
.md{border:1px solid var(--line);border-radius:8px;padding:4px 18px;margin-top:8px}
.md table{font-size:13px}
pre.cell{margin:0;padding:4px 6px;font-size:12px;border:0}
table.findings td:nth-child(2){white-space:nowrap}
footer{margin-top:36px;padding-top:10px;border-top:1px solid var(--line);font-size:12px}
@media (max-width:800px){dl.facts{grid-template-columns:max-content 1fr}
.verdict{flex-direction:column}.wrap{padding:12px}}
@media print{nav,summary{display:none}details{display:block}.verdict,.err,.diff{break-inside:avoid}}
"""
