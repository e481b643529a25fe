"""The gates on report.html: a timeline drawn to scale (inline SVG, no script) and the table beside it."""

from __future__ import annotations

from collections.abc import Sequence

from pgwarden.evidence.blocks import GateRow
from pgwarden.evidence.html_util import FILL, Html, cls, dur, e, num, pill, table, ts

MAX_GATES = 200


def _ticks(span: float) -> tuple[float, int]:
    """A round tick step for ``span`` seconds (at most 8 ticks), and the decimals its labels need."""
    for exp in range(-3, 8):
        for k in (1, 2, 5):
            step = k * 10.0**exp
            if span / step <= 8:
                return step, max(0, -exp)
    return span, 0


def _placement(gates: Sequence[GateRow], started: object, finished: object) -> tuple[list[tuple[float, float]], float]:
    """Each gate's (offset from the start of the run, duration) in seconds, and the span of the axis."""
    starts = [ts(g.started) for g in gates]
    t0 = ts(started)
    known = [s for s in starts if s is not None]
    if known and (t0 is None or min(known) < t0):
        t0 = min(known)
    placed: list[tuple[float, float]] = []
    cursor = 0.0
    for g, s in zip(gates, starts, strict=True):
        sec = max(num(g.seconds) or 0.0, 0.0)
        off = max(s - t0, 0.0) if s is not None and t0 is not None else cursor
        placed.append((off, sec))
        cursor = off + sec
    t_end = ts(finished)
    total = (t_end - t0) if t_end is not None and t0 is not None else 0.0
    return placed, max([o + s for o, s in placed] + [total, 0.001])


def _timeline(gates: Sequence[GateRow], placed: Sequence[tuple[float, float]], span: float) -> str:
    step, decimals = _ticks(span)
    left, right, value_x, width = 190.0, 850.0, 955.0, 960
    scale = (right - left) / span
    row_h, top = 26, 30
    height = top + row_h * len(gates) + 8
    out = [
        f'<svg id="timeline" class="timeline" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="timeline-title">',
        f'<title id="timeline-title">Gate timeline: {len(gates)} gates over {e(dur(span))}, drawn to scale</title>',
    ]
    n = 0
    while n * step <= span * 1.0001 and n <= 12:
        x = left + n * step * scale
        out.append(f'<line class="grid" x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - 6}"/>')
        out.append(
            f'<text class="tick" x="{x:.1f}" y="{top - 13}" text-anchor="middle">{n * step:.{decimals}f} s</text>'
        )
        n += 1
    for i, (g, (off, sec)) in enumerate(zip(gates, placed, strict=True)):
        y = top + i * row_h
        klass = cls(g.status)
        name, st = g.name or "?", g.status or "?"
        w = max(sec * scale, 3.0)
        x = min(left + off * scale, right - w)
        tip = f"{name}: {st}, {dur(sec)}" + (f" — {g.reason}" if g.reason else "")
        out.append(
            f'<g class="row">'
            f'<rect class="track" x="{left}" y="{y + 4}" width="{right - left}" height="{row_h - 8}" rx="3"/>'
            f'<text class="gname" x="8" y="{y + 17}">{i + 1}. {e(name[:28])}</text>'
            f'<rect class="bar {klass}" x="{x:.2f}" y="{y + 5}" width="{w:.2f}" height="{row_h - 10}" '
            f'rx="2" fill="{FILL[klass]}"><title>{e(tip)}</title></rect>'
            f'<text class="gval" x="{value_x}" y="{y + 17}" text-anchor="end">'
            f'<tspan class="t-{klass}">{e(st)}</tspan> {e(dur(sec))}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def _legend() -> str:
    items = [
        ("PASS", "s-pass"),
        ("FAIL", "s-fail"),
        ("SKIPPED", "s-skip"),
        ("WAIVED", "s-waive"),
        ("ERROR", "s-error"),
        ("INTERRUPTED", "s-intr"),
    ]
    return '<p class="legend">' + "".join(f'<span><span class="sw {c}"></span>{s}</span>' for s, c in items) + "</p>"


def gates_html(gates: Sequence[GateRow], started: object, finished: object, *, timeline: bool = True) -> str:
    """The timeline (``id="timeline"``, once per page: ``timeline``) and the table of ``gates``."""
    if not gates:
        return '<p class="muted">The kit records no gate.</p>'
    gates = gates[:MAX_GATES]
    placed, span = _placement(gates, started, finished)
    rows = [
        (i, Html(f"<code>{e(g.name)}</code>"), pill(g.status), dur(num(g.seconds)), f"+{off:.3f} s", g.reason)
        for i, (g, (off, _sec)) in enumerate(zip(gates, placed, strict=True), 1)
    ]
    drawn = (
        (
            '<p class="muted">Each bar starts when its gate started and is as long as it ran, on one time axis '
            "from the start of the run; a gate that did not run is a thin mark where it was recorded.</p>"
            f"{_timeline(gates, placed, span)}{_legend()}"
        )
        if timeline
        else ""
    )
    return drawn + table(("#", "gate", "status", "took", "at", "why"), rows, "gates")
