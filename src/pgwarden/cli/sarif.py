"""``pgwarden check --format sarif``: a SARIF 2.1.0 log for code scanning (GitHub, GitLab, IDEs).

One run, one rule per rule id found, described from the registry (:mod:`pgwarden.rules`), one result per
finding; a check that could not run (bad input, environment) is a failed invocation with a
``pgwarden.<category>`` result on every file its error names. URIs are relative to ``%SRCROOT%``, the
repository root (:func:`repository_root`). Messages and snippets, which code-scanning pages show to people,
are made one visible line each (:func:`pgwarden.cli.format_common.visible`); every string is redacted.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pgwarden.cli.format_common import error_places, message_lines, redacted, visible
from pgwarden.findings import Severity
from pgwarden.jsonable import to_jsonable
from pgwarden.rules import Rule, for_error
from pgwarden.version import __version__

if TYPE_CHECKING:
    from pgwarden.check.results import CheckResult
    from pgwarden.errors import PgwardenError
    from pgwarden.findings import Finding

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"


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


def _message(f: Finding) -> str:
    return "\n".join(message_lines(f))


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
        region = _region(f.line, f.col, visible(f.statement) if f.statement else None)
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
                {"kind": "inSource", "status": "accepted", "justification": visible(f.facts.get("waived", ""))}
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
    return dict(redacted({"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}))


def render_sarif(r: CheckResult, *, source_root: Path) -> str:
    return json.dumps(sarif_log(r, source_root=source_root), indent=2, default=str)


# -- a check that could not run (exit 2, 3) ---------------------------------------------------------
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
                "message": {"text": visible(p.text)},
                "locations": [{"physicalLocation": physical}],
            }
        )
    text = "\n".join(visible(x) for x in (err.message, *err.details))
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
    return dict(redacted({"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}))


def render_sarif_error(err: PgwardenError, *, package_dir: Path, source_root: Path) -> str:
    return json.dumps(sarif_error_log(err, package_dir=package_dir, source_root=source_root), indent=2, default=str)
