"""How a check result reads where operators review changes: ``pgwarden check --format FORMAT``.

| format | for | what it prints |
|---|---|---|
| ``text`` | a person at a terminal (the default on a TTY) | tables: the locked order, then the findings |
| ``gcc`` | editors, ``grep``, pre-commit (the default when piped) | ``file:line:col: severity: rule: message`` |
| ``json`` | scripts | the findings as one JSON object (``--json`` prints the command's envelope instead) |
| ``sarif`` | code scanning (GitHub, GitLab, IDEs) | a SARIF 2.1.0 log, paths relative to the repository root |
| ``github`` | GitHub Actions | ``::error file=…,line=…,col=…,title=…::…`` workflow commands |

Every renderer is a pure function of the :class:`CheckResult` (and the directories it is told):
the library never prints. Paths are relative to the current directory (``cwd``), not to the package,
except in SARIF, whose URIs are relative to ``%SRCROOT%``, the repository root (see
:func:`repository_root`). Every string a renderer emits has been through :func:`redact_text`.

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

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pgwarden.findings import Severity
from pgwarden.jsonable import to_jsonable
from pgwarden.redact import redact_text
from pgwarden.rules import Rule, for_error
from pgwarden.textsafe import not_a_command, one_line, out_line
from pgwarden.version import __version__

if TYPE_CHECKING:
    from pgwarden.check.results import CheckResult
    from pgwarden.errors import PgwardenError
    from pgwarden.findings import Finding


class Format(StrEnum):
    TEXT = "text"
    GCC = "gcc"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"


FORMATS: tuple[str, ...] = tuple(f.value for f in Format)
JSON_FORMAT_VERSION = 1
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"


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


# -- paths ------------------------------------------------------------------------------------------
def relative_to(path: Path | str, base: Path) -> str:
    """``path`` relative to ``base`` (``..`` where it must), with ``/`` separators."""
    return Path(os.path.relpath(Path(path), base)).as_posix()


def finding_path(r: CheckResult, f: Finding, cwd: Path) -> str:
    """Where ``f`` is, relative to ``cwd`` (``f.file`` is relative to the package root)."""
    return relative_to(Path(r.root) / f.file, cwd)


def repository_root(start: Path) -> Path | None:
    """The top of the git work tree that holds ``start`` (``git rev-parse --show-toplevel``), or None."""
    where = start if start.is_dir() else start.parent
    try:
        out = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    top = out.stdout.strip()
    return Path(top) if out.returncode == 0 and top else None


# -- text and gcc -----------------------------------------------------------------------------------
def _t(x: object) -> str:
    """One field of someone else's text, for one line of output: redacted, then made visible."""
    return one_line(redact_text(str(x)))


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


def _kit(r: CheckResult, cwd: Path) -> str | None:
    """The kit directory relative to ``cwd`` when it lies under it (the default ./pgwarden-runs/…), else as is."""
    if not r.kit:
        return None
    kit = Path(r.kit).absolute()
    return kit.relative_to(cwd.absolute()).as_posix() if kit.is_relative_to(cwd.absolute()) else str(kit)


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
        out.append(f"evidence kit: {_kit(r, cwd)}")
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
    order = Table(title=_t(f"{r.package}: locked order"), show_lines=False)
    for col in ("TXN", "bundle", "title", "statements", "kinds", "notes"):
        order.add_column(col)
    for b in r.bundles:
        notes = ", ".join(
            x for x in ("non-atomic" if not b.atomic else "", "irreversible" if b.irreversible else "") if x
        )
        order.add_row(
            *(Text(_t(x)) for x in (f"TXN-{b.order}", b.id, b.title, str(b.statements), kinds_text(b.kinds), notes))
        )
    console.print(order)
    if r.findings:
        table = Table(title="findings", show_lines=True)
        for col in ("location", "rule", "bundle", "statement", "why"):
            table.add_column(col, overflow="fold")
        for f in r.findings:
            style = "red" if f.is_error else "yellow"
            why = "\n".join(_t(x) for x in [f.message, *(line.strip() for line in preflight_lines(f))])
            table.add_row(
                Text(_t(f"{finding_path(r, f, cwd)}:{f.line}:{f.col}")),
                Text(_t(f.rule), style=style),
                Text(_t(f.bundle or "")),
                Text(_t(f.statement)),
                Text(why),
            )
        console.print(table)
    line = Text(str(r.verdict), style=f"bold {'green' if r.verdict == 'PASS' else 'red'}")
    line.append(
        f": {r.errors} error(s), {r.warnings} warning(s)" + (f"; evidence kit: {_t(_kit(r, cwd))}" if r.kit else "")
    )
    console.print(line)
    return "\n".join(not_a_command(x) for x in buf.getvalue().rstrip("\n").split("\n"))  # a wrapped title too


# -- json -------------------------------------------------------------------------------------------
def _redacted(value: Any) -> Any:
    """Every string inside ``value`` redacted, before it is serialized (never the JSON text itself)."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {str(k): _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v) for v in value]
    return value


def findings_json(r: CheckResult, *, cwd: Path) -> dict[str, Any]:
    """The findings as a JSON-ready object; ``file`` is relative to ``cwd``, ``package_file`` to the package."""
    return dict(
        _redacted(
            {
                "format": "pgwarden-check-findings",
                "format_version": JSON_FORMAT_VERSION,
                "package": r.package,
                "package_dir": relative_to(r.root, cwd),
                "verdict": str(r.verdict),
                "errors": r.errors,
                "warnings": r.warnings,
                "live": r.live,
                "kit": _kit(r, cwd),
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


# -- sarif ------------------------------------------------------------------------------------------
def _uri(path: Path, source_root: Path) -> dict[str, Any]:
    """An artifactLocation: relative to %SRCROOT% when ``path`` is under it, else an absolute file URI."""
    full = path.resolve()
    try:
        rel = full.relative_to(source_root)
    except ValueError:
        return {"uri": full.as_uri()}
    return {"uri": quote(rel.as_posix()), "uriBaseId": SRCROOT}


def _rule_name(rule: Rule) -> str:
    """SARIF's ``name``: the id in CamelCase (``policy.forbid_calls`` -> ``PolicyForbidCalls``)."""
    return "".join(part.capitalize() for part in re.split(r"[._\-]+", rule) if part) or "Finding"


def _level(f: Finding) -> str:
    """SARIF's level: notes and waived findings are "note", so code scanning does not count them as problems."""
    if f.is_error:
        return "error"
    return "note" if f.severity in (Severity.NOTE, Severity.WAIVED) else "warning"


def _descriptor(rule: Rule, level: str) -> dict[str, Any]:
    """SARIF's reportingDescriptor of ``rule``, from the registry (:mod:`pgwarden.rules`)."""
    family = rule.family.split(".", 1)[0]
    return {
        "id": str(rule),
        "name": _rule_name(rule),
        "shortDescription": {"text": rule.short},
        "fullDescription": {"text": rule.help},
        "help": {"text": f"{rule.short}.\n\n{rule.help}", "markdown": f"**{rule.short}** (`{rule}`)\n\n{rule.help}"},
        "defaultConfiguration": {"level": level},
        "properties": {
            "tags": list(dict.fromkeys(("pgwarden", "postgresql", family))),
            "precision": "very-high",
            "problem.severity": "error" if level == "error" else "warning",
        },
    }


def _message_lines(f: Finding) -> list[str]:
    """What a reader is shown of ``f``: its message, SQLSTATE, HINT and fix, each made one visible line."""
    parts = [f.message or f.rule]
    if f.sqlstate:
        parts.append(f"SQLSTATE {f.sqlstate}")
    if f.hint:
        parts.append(f"HINT: {f.hint}")
    if f.fix:
        parts.append(f"Fix: {f.fix}")
    return [_t(p) for p in parts]


def _message(f: Finding) -> str:
    return "\n".join(_message_lines(f))


def _fingerprint(r: CheckResult, f: Finding) -> str:
    key = "\0".join((r.package, f.rule, f.file, f.bundle or "", f.statement, f.message))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _region(line: int, col: int, snippet: str | None = None) -> dict[str, Any] | None:
    if line < 1:
        return None
    region: dict[str, Any] = {"startLine": line}
    if col >= 1:
        region["startColumn"] = col
    if snippet:
        region["snippet"] = {"text": snippet}
    return region


def _run_base(source_root: Path, package: str | None) -> dict[str, Any]:
    return {
        "tool": {"driver": {"name": "pgwarden", "version": __version__, "semanticVersion": __version__, "rules": []}},
        "originalUriBaseIds": {
            SRCROOT: {
                "uri": source_root.resolve().as_uri().rstrip("/") + "/",
                "description": {"text": "the root of the repository checked"},
            }
        },
        "automationDetails": {"id": f"pgwarden-check/{package}/" if package else "pgwarden-check/"},
        "columnKind": "unicodeCodePoints",
    }


def sarif_log(r: CheckResult, *, source_root: Path) -> dict[str, Any]:
    """The SARIF 2.1.0 log of a check: one run, one rule per rule id found, one result per finding."""
    root = source_root.resolve()
    run = _run_base(root, r.package)
    levels: dict[Rule, str] = {}
    for f in r.findings:
        if f.is_error or f.rule not in levels:
            levels[f.rule] = "error" if f.is_error else "warning"
    rule_ids = sorted(levels)
    run["tool"]["driver"]["rules"] = [_descriptor(rule, levels[rule]) for rule in rule_ids]
    pkg = Path(r.root)
    artifacts = [
        {
            "location": _uri(pkg / cf.path, root),
            "length": cf.bytes,
            "hashes": {"sha-256": cf.sha256},
            "roles": ["analysisTarget"],
            "sourceLanguage": "sql" if cf.path.endswith(".sql") else "toml",
            "properties": {"role": str(cf.role), "bundle": cf.bundle},
        }
        for cf in r.files
    ]
    index = {cf.path: i for i, cf in enumerate(r.files)}
    results = []
    for f in r.findings:
        location: dict[str, Any] = dict(_uri(pkg / f.file, root))
        if f.file in index:
            location["index"] = index[f.file]
        physical: dict[str, Any] = {"artifactLocation": location}
        region = _region(f.line, f.col, _t(f.statement) if f.statement else None)
        if region:
            physical["region"] = region
        props = {
            k: v
            for k, v in (
                ("bundle", f.bundle),
                ("sqlstate", f.sqlstate),
                ("hint", f.hint),
                ("fix", f.fix),
                ("statement", f.statement),
            )
            if v
        }
        if f.facts:
            props["facts"] = to_jsonable(dict(f.facts))
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": rule_ids.index(f.rule),
            "level": _level(f),
            "message": {"text": _message(f)},
            "locations": [{"physicalLocation": physical}],
            "partialFingerprints": {"pgwardenFinding/v1": _fingerprint(r, f)},
            "properties": props,
        }
        if f.severity is Severity.WAIVED:  # a [[waiver]] of the package: suppressed in source, with its reason
            result["suppressions"] = [
                {"kind": "inSource", "status": "accepted", "justification": _t(f.facts.get("waived", ""))}
            ]
        results.append(result)
    run.update(
        artifacts=artifacts,
        results=results,
        invocations=[
            {
                "executionSuccessful": True,
                "exitCode": 0 if str(r.verdict) == "PASS" else 1,
                "properties": {"verdict": str(r.verdict), "live": r.live, "kit": r.kit},
            }
        ],
        properties={"package": r.package, "verdict": str(r.verdict), "errors": r.errors, "warnings": r.warnings},
    )
    return dict(_redacted({"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}))


def render_sarif(r: CheckResult, *, source_root: Path) -> str:
    return json.dumps(sarif_log(r, source_root=source_root), indent=2, default=str)


# -- errors (exit 2, 3): what SARIF and GitHub still show ---------------------------------------------


@dataclass(frozen=True)
class ErrorPlace:
    file: Path  # absolute
    line: int
    col: int
    text: str


def error_places(err: PgwardenError, package_dir: Path) -> list[ErrorPlace]:
    """Each place the error names (its ``places``, set where the error was made), located."""
    out = []
    for p in err.places:
        file = Path(p.file)
        out.append(
            ErrorPlace(
                file if file.is_absolute() else (package_dir / file).absolute(), p.line, p.col, p.text or err.message
            )
        )
    return out


def sarif_error_log(err: PgwardenError, *, package_dir: Path, source_root: Path) -> dict[str, Any]:
    """A SARIF log for a check that could not run (bad input, environment): a failed invocation, and a
    ``pgwarden.<category>`` result on every file the error names, so code scanning shows it on the diff."""
    root = source_root.resolve()
    run = _run_base(root, None)
    rule = for_error(err.category)
    run["tool"]["driver"]["rules"] = [_descriptor(rule, "error")]
    results = []
    for p in error_places(err, package_dir):
        physical: dict[str, Any] = {"artifactLocation": _uri(p.file, root)}
        region = _region(p.line, p.col)
        if region:
            physical["region"] = region
        results.append(
            {
                "ruleId": rule,
                "ruleIndex": 0,
                "level": "error",
                "message": {"text": _t(p.text)},
                "locations": [{"physicalLocation": physical}],
            }
        )
    text = "\n".join(_t(x) for x in (err.message, *err.details))
    run.update(
        results=results,
        invocations=[
            {
                "executionSuccessful": False,
                "exitCode": int(err.exit_code),
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": text}, "descriptor": {"id": rule}}
                ],
            }
        ],
    )
    return dict(_redacted({"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}))


def render_sarif_error(err: PgwardenError, *, package_dir: Path, source_root: Path) -> str:
    return json.dumps(sarif_error_log(err, package_dir=package_dir, source_root=source_root), indent=2, default=str)


# -- github -----------------------------------------------------------------------------------------
def escape_data(s: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does (``%``, CR, LF)."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    """A workflow command's property value: ``%``, CR, LF, and also ``:`` and ``,``."""
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def workflow_command(kind: str, message: str, **props: str | int | None) -> str:
    """``::kind key=value,…::message`` with everything escaped; properties that are None are left out.

    The message's own line breaks are the caller's (``%0A``); every property is one visible line."""
    given = ",".join(f"{k}={escape_property(_t(v))}" for k, v in props.items() if v is not None)
    return f"::{kind}{' ' + given if given else ''}::{escape_data(message)}"


def render_github(r: CheckResult, *, cwd: Path) -> str:
    """One ``::error`` or ``::warning`` annotation per finding, then the verdict as a plain log line."""
    out = []
    for f in r.findings:
        title = f"pgwarden {f.rule}" + (f" (bundle {f.bundle})" if f.bundle else "")
        body = "\n".join([*_message_lines(f), *([_t(f"Statement: {f.statement}")] if f.statement else [])])
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
    kit = f"; evidence kit: {_kit(r, cwd)}" if r.kit else ""
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
        return workflow_command("error", "\n".join(_t(x) for x in (err.message, *err.details)), title=title)
    return "\n".join(
        workflow_command(
            "error", _t(p.text), file=relative_to(p.file, cwd), line=p.line or None, col=p.col or None, title=title
        )
        for p in places
    )


def github_error_summary(err: PgwardenError, package_dir: Path) -> str:
    """What ``$GITHUB_STEP_SUMMARY`` gets when the check could not run (there is no SUMMARY.md)."""
    lines = [
        f"# pgwarden check: {_t(package_dir)}",
        "",
        f"**{err.category}** (exit {int(err.exit_code)}): {_t(err.message)}",
        "",
    ] + [f"- {_t(d)}" for d in err.details]
    return "\n".join(lines).rstrip() + "\n"
