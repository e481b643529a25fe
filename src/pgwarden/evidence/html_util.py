"""The small pieces every part of report.html is made of: escaped text, pills, tables, times.

A kit is untrusted input. Every string that reaches the page goes through :func:`e`: redacted, its control
characters and bidi overrides made visible (:func:`pgwarden.textsafe.block`), then HTML-escaped. Markup this
package makes itself is an :class:`Html` (already escaped), the only thing :func:`table` and :func:`dl` insert
as it is. Class names come from the tables here, never from the kit.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pgwarden import textsafe
from pgwarden.redact import redact_text

MAX_ITEMS = 400  # rows of any one list on the page


class Html(str):
    """Markup made here (already escaped): :func:`dl` and :func:`table` insert it as it is."""


def text(x: object) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, str):
        return x
    if isinstance(x, dict | list):
        return json.dumps(x, sort_keys=True, default=str)
    return str(x)


def e(x: object) -> str:
    """Any value as escaped HTML text: redacted; control characters, bidi overrides and lone surrogates made
    visible (``\\x1b``, ``\\u202e``; line breaks kept); then HTML-escaped."""
    return html.escape(textsafe.block(redact_text(text(x))), quote=True)


_INLINE_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def inline(x: object) -> Html:
    """Escaped text with its two inline marks shown: ```code``` and ``**bold**`` (never a link, never HTML)."""
    s = _INLINE_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", e(x))
    return Html(_BOLD.sub(lambda m: f"<strong>{m.group(1)}</strong>", s))


def code(x: object) -> Html:
    return Html(f"<code>{e(x)}</code>")


def num(x: object) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    return float(x) if math.isfinite(x) else None


def ts(x: object) -> float | None:
    if not isinstance(x, str) or not x:
        return None
    try:
        t = dt.datetime.fromisoformat(x.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.timestamp()


def when(x: object) -> str:
    t = ts(x)
    if t is None:
        return text(x) or "—"
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def dur(seconds: float | None) -> str:
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


def capped(items: Sequence[Any], limit: int = MAX_ITEMS) -> tuple[Sequence[Any], int]:
    return items[:limit], max(len(items) - limit, 0)


def more(n: int, where: str = "") -> str:
    return f'<p class="muted">… and {n} more{" in " + e(where) if where else ""}.</p>' if n else ""


# -- statuses and their colours --------------------------------------------------------------------------
STATUS_CLASS = {
    "PASS": "s-pass",
    "FAIL": "s-fail",
    "SKIPPED": "s-skip",
    "WAIVED": "s-waive",
    "ERROR": "s-error",
    "INTERRUPTED": "s-intr",
    "SEALED": "s-rb",
    "ROLLED BACK": "s-rb",
    "IDENTICAL": "s-pass",
    "error": "s-fail",
    "warning": "s-waive",
    "note": "s-rb",
    "waived": "s-skip",
}
FILL = {
    "s-pass": "#1a7f37",
    "s-fail": "#cf222e",
    "s-skip": "#8c959f",
    "s-waive": "#bf8700",
    "s-error": "#8250df",
    "s-intr": "#bc4c00",
    "s-rb": "#0969da",
    "s-unknown": "#57606a",
}


def cls(status: object, table: Mapping[str, str] = STATUS_CLASS) -> str:
    return table.get(text(status), "s-unknown")


def pill(status: object) -> Html:
    return Html(f'<span class="pill {cls(status)}">{e(text(status) or "?")}</span>')


def dl(rows: Iterable[tuple[str, object]], klass: str = "kvl") -> str:
    items = "".join(
        f"<dt>{e(k)}</dt><dd>{v if isinstance(v, Html) else e(v)}</dd>" for k, v in rows if v not in (None, "", [], {})
    )
    return f'<dl class="{klass}">{items}</dl>' if items else ""


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], klass: str = "") -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if isinstance(c, Html) else e(c)}</td>" for c in r) + "</tr>" for r in rows
    )
    return f'<table class="{klass}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
