"""``pgwarden check --format github``: GitHub Actions workflow commands (``::error file=…,line=…::…``).

One ``::error``, ``::warning`` or ``::notice`` annotation per finding, then the verdict as a plain log line; a
check that could not run annotates each file its error names and writes ``$GITHUB_STEP_SUMMARY``'s text.
Someone else's text is made one visible line first (:func:`pgwarden.cli.format_common.visible`), so a package
cannot forge a workflow command (``::stop-commands::``) on a line of its own; then ``%``, CR and LF (and ``:``
and ``,`` in properties) are escaped as GitHub's toolkit does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pgwarden.cli.format_common import error_places, finding_path, kit_path, message_lines, relative_to, visible
from pgwarden.findings import Severity
from pgwarden.redact import redact_text
from pgwarden.textsafe import out_line

if TYPE_CHECKING:
    from pgwarden.check.results import CheckResult
    from pgwarden.errors import PgwardenError


def escape_data(s: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does (``%``, CR, LF)."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    """A workflow command's property value: ``%``, CR, LF, and also ``:`` and ``,``."""
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def workflow_command(kind: str, message: str, **props: str | int | None) -> str:
    """``::kind key=value,…::message`` with everything escaped; properties that are None are left out.

    The message's own line breaks are the caller's (``%0A``); every property is one visible line."""
    given = ",".join(f"{k}={escape_property(visible(v))}" for k, v in props.items() if v is not None)
    return f"::{kind}{' ' + given if given else ''}::{escape_data(message)}"


def render_github(r: CheckResult, *, cwd: Path) -> str:
    """One ``::error`` or ``::warning`` annotation per finding, then the verdict as a plain log line."""
    out = []
    for f in r.findings:
        title = f"pgwarden {f.rule}" + (f" (bundle {f.bundle})" if f.bundle else "")
        body = "\n".join([*message_lines(f), *([visible(f"Statement: {f.statement}")] if f.statement else [])])
        kind = "error" if f.is_error else "notice" if f.severity in (Severity.NOTE, Severity.WAIVED) else "warning"
        out.append(
            workflow_command(
                kind,
                body,
                file=finding_path(r, f, cwd),
                line=f.line if f.line >= 1 else None,
                col=f.col if f.col >= 1 else None,
                title=title,
            )
        )
    kit = f"; evidence kit: {kit_path(r, cwd)}" if r.kit else ""
    out.append(
        out_line(
            redact_text(f"pgwarden check: {r.package}: {r.verdict} ({r.errors} error(s), {r.warnings} warning(s)){kit}")
        )
    )
    return "\n".join(out)


def github_error(err: PgwardenError, *, package_dir: Path, cwd: Path) -> str:
    """Annotations for a check that could not run: one per file the error names, else one for the run."""
    title = f"pgwarden check: {err.category}"
    places = error_places(err, package_dir)
    if not places:
        return workflow_command("error", "\n".join(visible(x) for x in (err.message, *err.details)), title=title)
    return "\n".join(
        workflow_command(
            "error", visible(p.text), file=relative_to(p.file, cwd), line=p.line or None, col=p.col or None, title=title
        )
        for p in places
    )


def github_error_summary(err: PgwardenError, package_dir: Path) -> str:
    """What ``$GITHUB_STEP_SUMMARY`` gets when the check could not run (there is no SUMMARY.md)."""
    lines = [
        f"# pgwarden check: {visible(package_dir)}",
        "",
        f"**{err.category}** (exit {int(err.exit_code)}): {visible(err.message)}",
        "",
    ] + [f"- {visible(d)}" for d in err.details]
    return "\n".join(lines).rstrip() + "\n"
