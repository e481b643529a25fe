"""Untrusted text made safe to show: no control character or bidi override reaches a terminal, a CI log or a page.

A package's name, a bundle title, a waiver reason, a SQL statement, a server's error message (``RAISE
EXCEPTION`` text, a quoted identifier with a newline in it) and a file name are written by someone else.
Printed as they are, an ESC sequence clears or repaints the operator's terminal, a newline followed by
``::stop-commands::`` or ``::error`` forges a workflow command in GitHub Actions, and U+202E (RIGHT-TO-LEFT
OVERRIDE) makes text read differently from what it is. Every renderer passes such text through
:func:`one_line` (a field that must stay on its line), :func:`out_line` / :func:`lines` (whole lines of
terminal or log output) or :func:`block` (text whose line breaks are its own: HTML, SUMMARY.md), at the
output boundary: the library's result values stay exact, and JSON keeps them exact too.

GitHub's runner reads a workflow command from any line of a step's stdout or stderr that starts, after
blanks, with ``::``, and (its legacy syntax) from ``##[command]`` anywhere in a line, comparing as .NET does
by default, where invisible characters (a soft hyphen, U+200B) can be ignored. So :func:`one_line` also
makes every default-ignorable character visible and writes ``##[`` as ``##\\x5b``, and :func:`out_line`
writes the first ``:`` of a line that would start with ``::`` as ``\\x3a``: no line pgwarden prints is a
workflow command unless pgwarden made it one (``check --format github`` builds its annotations itself,
escaped as GitHub's toolkit escapes them).

What is escaped, as visible characters (``\\x1b``, ``\\u202e``; LF and CR as ``\\n`` and ``\\r``):

- C0 controls (U+0000–U+001F) but TAB, and, in :func:`block`, LF; DEL (U+007F); C1 controls (U+0080–U+009F,
  among them NEL, which some readers take for a line break);
- the bidi controls U+061C, U+200E, U+200F, U+202A–U+202E and U+2066–U+2069;
- U+2028 and U+2029 (line and paragraph separators: line breaks to some readers);
- lone surrogates (U+D800–U+DFFF: a file name that is not UTF-8), which no output can encode;
- in :func:`one_line` only, every other default-ignorable code point (U+00AD, U+200B–U+200D, U+2060–U+206F,
  U+FEFF, variation selectors, tags…): invisible, and ignorable when a log reader looks for ``##[``. A block
  keeps them (SUMMARY.md's own ⚠️ carries U+FE0F).

A backslash is left as it is: ``E'a\\nb'`` in a statement reads as written. So ``\\x1b`` on the screen is
either an escaped ESC or those four characters in the source; it is never an ESC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_OTHER = "\x7f-\x9f\u2028\u2029\ud800-\udfff"
_IGNORABLE = (
    "\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200d\u2060-\u2065\u206a-\u206f\u3164"
    "\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_ONE_LINE = re.compile(f"[\x00-\x08\x0a-\x1f{_OTHER}{_BIDI}{_IGNORABLE}]|(?<=##)\\[")
_BLOCK = re.compile(f"[\x00-\x08\x0b-\x1f{_OTHER}{_BIDI}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "[": "\\x5b"}
_COMMAND_START = re.compile(r"^(\s*):(?=:)")


def _visible(m: re.Match[str]) -> str:
    c = m.group()
    code = ord(c)
    if c in _NAMED:
        return _NAMED[c]
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def one_line(text: object) -> str:
    """``text`` (``str()`` of anything) on one line: every character listed above, LF and CR included, escaped,
    and ``##[`` written ``##\\x5b``."""
    return _ONE_LINE.sub(_visible, text if isinstance(text, str) else str(text))


def not_a_command(line: str) -> str:
    """``line`` unchanged, unless it starts (after blanks) with ``::``: then its first ``:`` is ``\\x3a``. For
    output lines already made safe otherwise (rich's, with its own colours)."""
    return _COMMAND_START.sub(lambda m: m.group(1) + "\\x3a", line, count=1)


def out_line(text: object) -> str:
    """One whole line of terminal or log output: :func:`one_line`, and never a workflow command."""
    return not_a_command(one_line(text))


def block(text: object) -> str:
    """``text`` with its own line breaks (LF) kept and every other character listed above escaped: for a
    multi-line block (an HTML ``<pre>``, a whole SUMMARY.md) whose lines the caller does not split."""
    return _BLOCK.sub(_visible, text if isinstance(text, str) else str(text))


def lines(items: Iterable[object]) -> str:
    """Each item escaped as :func:`out_line`, joined with LF: one output line per item, never more."""
    return "\n".join(out_line(x) for x in items)
