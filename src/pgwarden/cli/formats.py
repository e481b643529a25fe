"""How a check result reads where operators review changes: ``pgwarden check --format FORMAT``.

| format | for | what it prints |
|---|---|---|
| ``text`` | a person at a terminal (the default on a TTY) | tables: the locked order, then the findings |
| ``gcc`` | editors, ``grep``, pre-commit (the default when piped) | ``file:line:col: severity: rule: message`` |
| ``json`` | scripts | the findings as one JSON object (``--json`` prints the command's envelope instead) |
| ``sarif`` | code scanning (GitHub, GitLab, IDEs) | a SARIF 2.1.0 log, paths relative to the repository root |
| ``github`` | GitHub Actions | ``::error file=…,line=…,col=…,title=…::…`` workflow commands |

This module chooses the format and renders ``text``, ``gcc`` and ``json``; ``sarif`` is :mod:`pgwarden.cli.sarif`,
``github`` :mod:`pgwarden.cli.github`, and what they share :mod:`pgwarden.cli.format_common`.
Every renderer is a pure function of the :class:`CheckResult` (and the directories it is told):
the library never prints. Paths are relative to the current directory (``cwd``), not to the package,
except in SARIF, whose URIs are relative to ``%SRCROOT%``, the repository root (see
:func:`pgwarden.cli.sarif.repository_root`). Every string a renderer emits has been through :func:`redact_text`.

Names, titles, statements and server messages are someone else's text: in ``text``, ``gcc`` and ``github``
each is kept on its line with its control characters and bidi overrides made visible
(:func:`pgwarden.textsafe.one_line`: ``\\x1b``, ``\\u202e``, ``\\n``), so a package cannot repaint a
terminal or forge a workflow command (``::stop-commands::``) on a line of its own; ``github`` then escapes
``%``, CR and LF (and ``:`` and ``,`` in properties) as GitHub's toolkit does. SARIF's messages and snippets,
which code-scanning pages show to people, are made visible the same way. ``json`` keeps every value exact:
``json.dumps`` writes a control character or a bidi override as a ``\\u`` escape, so none reaches the output
raw, and a script gets the exact text.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pgwarden.cli.format_common import finding_path, kit_path, redacted, relative_to, visible
from pgwarden.cli.github import render_github
from pgwarden.cli.sarif import render_sarif
from pgwarden.jsonable import to_jsonable
from pgwarden.redact import redact_text
from pgwarden.textsafe import not_a_command, out_line

if TYPE_CHECKING:
    from pgwarden.check.results import CheckResult
    from pgwarden.findings import Finding


class Format(StrEnum):
    TEXT = "text"
    GCC = "gcc"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"


FORMATS: tuple[str, ...] = tuple(f.value for f in Format)
JSON_FORMAT_VERSION = 1


def default_format(stdout_is_tty: bool) -> Format:
    """``text`` for a person at a terminal, ``gcc`` for anything reading a pipe."""
    return Format.TEXT if stdout_is_tty else Format.GCC


def render(
    r: CheckResult, fmt: Format, *, cwd: Path, source_root: Path | None = None, width: int = 120, color: bool = True
) -> str:
    """``r`` in ``fmt``; ``source_root`` (SARIF's ``%SRCROOT%``) defaults to ``cwd``."""
    if fmt is Format.TEXT:
        return render_text(r, cwd=cwd, width=width, color=color)
    if fmt is Format.GCC:
        return render_gcc(r, cwd=cwd)
    if fmt is Format.JSON:
        return render_json(r, cwd=cwd)
    if fmt is Format.SARIF:
        return render_sarif(r, source_root=source_root or cwd)
    return render_github(r, cwd=cwd)


# -- text and gcc -----------------------------------------------------------------------------------
def preflight_lines(f: Finding) -> list[str]:
    """What an operator needs to act on a predicted refusal: SQLSTATE, HINT, the live facts, the fix."""
    out = []
    if f.sqlstate:
        out.append(f"    SQLSTATE {f.sqlstate}")
    if f.hint:
        out.append(f"    HINT: {f.hint}")
    for key in ("identity_args", "full_args", "body_md5", "body_len", "prosecdef", "proconfig"):
        if key in f.facts:
            out.append(f"    live {key}: {f.facts[key]}")
    if f.fix:
        out.append(f"    fix: {f.fix}")
    return out


def render_gcc(r: CheckResult, *, cwd: Path) -> str:
    """One ``file:line:col: severity: rule: message`` line per finding, as compilers print them."""
    from pgwarden.check.report import txn_line

    out = [f"pgwarden check: {r.package}: {r.verdict} ({r.errors} error(s), {r.warnings} warning(s))"]
    out += [f"  {txn_line(b)}" for b in r.bundles]
    for f in r.findings:
        where = f" [bundle {f.bundle}]" if f.bundle else ""
        out.append(f"{finding_path(r, f, cwd)}:{f.line}:{f.col}: {f.severity}: {f.rule}{where}: {f.message}")
        if f.statement:
            out.append(f"    {f.statement}")
        out += preflight_lines(f)
    if r.kit:
        out.append(f"evidence kit: {kit_path(r, cwd)}")
    return "\n".join(out_line(redact_text(line)) for line in out)  # one line each: a newline in a field is shown


def render_text(r: CheckResult, *, cwd: Path, width: int = 120, color: bool = True) -> str:
    """Tables for a person: the locked order, the findings, the verdict (ANSI colour when ``color``)."""
    import io

    from rich.console import Console  # imported here: rich is only needed for this format
    from rich.table import Table
    from rich.text import Text  # cells are plain text: "[policy]" in a message is not markup

    from pgwarden.check.report import kinds_text

    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=color,
        no_color=not color,
        color_system="auto" if color else None,
        highlight=False,
        markup=False,
        emoji=False,
        width=width,
    )
    order = Table(title=visible(f"{r.package}: locked order"), show_lines=False)
    for col in ("TXN", "bundle", "title", "statements", "kinds", "notes"):
        order.add_column(col)
    for b in r.bundles:
        notes = ", ".join(
            x for x in ("non-atomic" if not b.atomic else "", "irreversible" if b.irreversible else "") if x
        )
        order.add_row(
            *(
                Text(visible(x))
                for x in (f"TXN-{b.order}", b.id, b.title, str(b.statements), kinds_text(b.kinds), notes)
            )
        )
    console.print(order)
    if r.findings:
        table = Table(title="findings", show_lines=True)
        for col in ("location", "rule", "bundle", "statement", "why"):
            table.add_column(col, overflow="fold")
        for f in r.findings:
            style = "red" if f.is_error else "yellow"
            why = "\n".join(visible(x) for x in [f.message, *(line.strip() for line in preflight_lines(f))])
            table.add_row(
                Text(visible(f"{finding_path(r, f, cwd)}:{f.line}:{f.col}")),
                Text(visible(f.rule), style=style),
                Text(visible(f.bundle or "")),
                Text(visible(f.statement)),
                Text(why),
            )
        console.print(table)
    line = Text(str(r.verdict), style=f"bold {'green' if r.verdict == 'PASS' else 'red'}")
    line.append(
        f": {r.errors} error(s), {r.warnings} warning(s)"
        + (f"; evidence kit: {visible(kit_path(r, cwd))}" if r.kit else "")
    )
    console.print(line)
    return "\n".join(not_a_command(x) for x in buf.getvalue().rstrip("\n").split("\n"))  # a wrapped title too


# -- json -------------------------------------------------------------------------------------------
def findings_json(r: CheckResult, *, cwd: Path) -> dict[str, Any]:
    """The findings as a JSON-ready object; ``file`` is relative to ``cwd``, ``package_file`` to the package."""
    return dict(
        redacted(
            {
                "format": "pgwarden-check-findings",
                "format_version": JSON_FORMAT_VERSION,
                "package": r.package,
                "package_dir": relative_to(r.root, cwd),
                "verdict": str(r.verdict),
                "errors": r.errors,
                "warnings": r.warnings,
                "live": r.live,
                "kit": kit_path(r, cwd),
                "findings": [
                    {
                        "rule": f.rule,
                        "severity": str(f.severity),
                        "file": finding_path(r, f, cwd),
                        "line": f.line,
                        "col": f.col,
                        "bundle": f.bundle,
                        "statement": f.statement,
                        "message": f.message,
                        "sqlstate": f.sqlstate,
                        "hint": f.hint,
                        "fix": f.fix,
                        "facts": to_jsonable(dict(f.facts)),
                        "package_file": f.file,
                    }
                    for f in r.findings
                ],
            }
        )
    )


def render_json(r: CheckResult, *, cwd: Path) -> str:
    return json.dumps(findings_json(r, cwd=cwd), indent=2, sort_keys=True, default=str)
