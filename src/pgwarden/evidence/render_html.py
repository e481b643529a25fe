"""``report.html``: an evidence kit as one self-contained page, for a person to look at.

One file, no external fetches (inline CSS from ``report.css``, inline SVG, no JavaScript), and a
Content-Security-Policy ``default-src 'none'`` that forbids any fetch or script even if something slipped
through. The page knows no command: it shows the verdict and the facts of run.json, the report's blocks
(:mod:`pgwarden.evidence.blocks`, rendered by :mod:`pgwarden.evidence.html_blocks`) with the gate timeline
where the report lists its gates (first, when it does not), then the evidence check, how to re-run it, and
the kit's files. What it reads and how a hostile kit is kept in check: :mod:`pgwarden.evidence.kitread`.

:func:`write_sealed_report` is what :meth:`pgwarden.evidence.kit.EvidenceKit.finish` calls, after
``run.json``, ``report.json`` and ``SUMMARY.md`` and before the seal, so ``report.html`` is sealed and pinned
with the rest of the kit. That copy cannot show the check of the kit it is part of; ``pgwarden report KIT``
(:mod:`pgwarden.evidence.report`) renders a page with the check's result, outside the kit.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pgwarden.evidence import kitfiles
from pgwarden.evidence.blocks import Block, Gates, Report, Section, Titled, walk, without_text
from pgwarden.evidence.html_blocks import Ids, Run, blocks_html
from pgwarden.evidence.html_util import capped, cls, code, dl, dur, e, inline, more, pill, table, text, ts, when
from pgwarden.evidence.kitfiles import EVENTS, Refused
from pgwarden.evidence.kitread import SUMS, KitContent, gate_rows, load_kit, read_text
from pgwarden.evidence.verify import KitVerification
from pgwarden.private import write_private
from pgwarden.version import __version__

REPORT = "report.html"

# What the page may load: nothing. Inline <style> only; no script, no image, no font, no frame, no form.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


@cache
def css() -> str:
    return resources.files("pgwarden.evidence").joinpath("report.css").read_text(encoding="utf-8")


def _d(x: object) -> dict[str, Any]:
    return x if isinstance(x, dict) else {}


# -- the page ----------------------------------------------------------------------------------------
def page_blocks(report: Report, run: Mapping[str, Any]) -> tuple[Block, ...]:
    """The report's blocks as the page shows them: its lead sentence in the header only, a titled block at the
    top in a section of its own, and the run's gates first when the report does not list them."""
    blocks = without_text(report.blocks, report.lead)  # the header says it
    if not any(isinstance(b, Gates) for b in walk(blocks)):
        blocks = (Gates("Gates", gate_rows(dict(run))), *blocks)
    out: list[Block] = []
    for b in blocks:
        if isinstance(b, Titled) and b.title:
            out.append(Section(b.title, (replace(b, title=""),), "gates" if isinstance(b, Gates) else ""))
        else:
            out.append(b)
    return tuple(out)


def render(
    kit: KitContent,
    check: KitVerification | None = None,
    *,
    sums_sha256: str | None = None,
    kit_path: str | None = None,
) -> str:
    """The whole page. ``check`` is the evidence check's result (None: this copy is sealed inside the
    kit, which cannot hold the check of itself), ``sums_sha256`` the hash of SHA256SUMS that pins what it
    checked. ``kit_path`` is the path the re-run commands name."""
    run, report = kit.run, kit.report
    command = text(run.get("command")) or "?"
    status = text(run.get("status")) or report.verdict or "?"
    path = kit_path or str(kit.root.absolute())
    title = f"pgwarden {command}{': ' + report.subject if report.subject else ''}: {status}"
    ids = Ids()
    blocks = page_blocks(report, run)
    body = blocks_html(blocks, 0, ids, Run(run.get("started"), run.get("finished")))
    parts = [_verdict(kit, command, status, check), body, _evidence_section(kit, check, sums_sha256, path)]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="pgwarden {e(__version__)}">
<title>{e(title)}</title>
<style>{css()}</style>
</head>
<body>
<div class="wrap">
{_nav(ids.toc)}
{chr(10).join(p for p in parts if p)}
<footer class="muted">Rendered by pgwarden {e(__version__)} on {e(when(_now()))} from the kit
<code>{e(path)}</code>. Self-contained: this page loads nothing and runs no script.</footer>
</div>
</body>
</html>
"""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _nav(sections: Sequence[tuple[str, str]]) -> str:
    """Links to the verdict, every top-level section and the evidence check."""
    links = [
        '<a href="#verdict">Verdict</a>',
        *(f'<a href="#{sid}">{e(title) or sid}</a>' for sid, title in sections),
        '<a href="#evidence">Evidence check</a>',
    ]
    return f'<nav id="toc">{" ".join(links)}</nav>'


def _gate_problems(run: Mapping[str, Any]) -> list[str]:
    return [
        f"gate {g.name}: {g.status}" + (f": {g.reason}" if g.reason else "")
        for g in gate_rows(dict(run))
        if g.status in ("FAIL", "ERROR", "INTERRUPTED")
    ]


def _verdict(kit: KitContent, command: str, status: str, check: KitVerification | None) -> str:
    run, report = kit.run, kit.report
    started, finished = run.get("started"), run.get("finished")
    t0, t1 = ts(started), ts(finished)
    seconds = max(t1 - t0, 0.0) if t0 is not None and t1 is not None else None
    server = _d(_d(run.get("environment")).get("server"))
    server_text = ""
    if server.get("server_version"):
        server_text = f"PostgreSQL {text(server.get('server_version'))}"
        if server.get("database"):
            server_text += f", database {text(server.get('database'))}"
    args = _d(run.get("arguments"))
    package_path = args.get("package") if isinstance(args.get("package"), str) else None
    facts = dl(
        [
            ("started", when(started)),
            ("finished", when(finished)),
            ("duration", dur(seconds)),
            ("server", server_text),
            ("command", code(f"pgwarden {command}")),
            ("pgwarden", run.get("pgwarden_version")),
        ],
        "facts",
    )
    where = (
        f'<p class="small mono">package {e(package_path)}</p>'
        if package_path and package_path != report.subject
        else ""
    )
    counts: dict[str, int] = {}
    for g in gate_rows(dict(run)):
        counts[g.status] = counts.get(g.status, 0) + 1
    tally = " ".join(f'<span class="tally">{pill(s)} {n}</span>' for s, n in sorted(counts.items()))
    ev = (
        '<span class="tally">evidence check: ' + (pill("PASS") if check.ok else pill("FAIL")) + "</span>"
        if check is not None
        else f'<span class="tally">evidence: {pill("SEALED")}</span>'
    )
    why = list(dict.fromkeys(report.reasons or _gate_problems(run)))  # the command's own words, else the gates'
    shown, left = capped(why, 12)
    why_html = (
        '<ul class="why">' + "".join(f"<li>{e(w)}</li>" for w in shown) + "</ul>" + more(left)
        if shown and status != "PASS"
        else ""
    )
    notes = "".join(f'<p class="note">{e(n)}</p>' for n in kit.notes)
    warn = ""
    if check is not None and not check.ok:
        warn = (
            '<p class="tamper">The evidence check FAILED: this kit was changed after it was sealed, so '
            'nothing on this page can be trusted. See <a href="#evidence">Evidence check</a>.</p>'
        )
    klass = {"PASS": "v-pass", "FAIL": "v-fail"}.get(status, "v-other")
    lead = f'<p class="lead">{inline(report.lead)}</p>' if report.lead else ""
    subject = f" · {e(report.subject)}" if report.subject else ""
    return f"""<header id="verdict" class="verdict {klass}">
<div class="big {cls(status)}" id="verdict-status">{e(status)}</div>
<div class="vbody">
<h1>pgwarden {e(command)}{subject}</h1>{where}
{lead}
{warn}{why_html}{notes}
{facts}
<div class="tallies">{tally} {ev}</div>
</div>
</header>"""


# -- the evidence check ------------------------------------------------------------------------------
def _evidence_section(kit: KitContent, check: KitVerification | None, sums_sha256: str | None, path: str) -> str:
    q = shlex.quote(path)
    signed = kitfiles.is_regular(kit.root, "SHA256SUMS.sig")
    key = " --key SIGNER.pub" if signed else ""
    cmds = [
        (
            "the check: every file, the event chain and its seal" + (", and the signature" if signed else ""),
            f"pgwarden evidence verify {q}{key}",
        ),
        ("the files only (not the chain or its seal), with coreutils", f"(cd {q} && sha256sum -c --strict SHA256SUMS)"),
        ("this page again, with the check's result", f"pgwarden report {q}{key} --html FILE.html"),
    ]
    rerun = (
        '<h3>Re-run it</h3><pre class="cmd" id="rerun">'
        + "\n".join(f'<span class="cm"># {e(c)}</span>\n{e(cmd)}' for c, cmd in cmds)
        + "</pre>"
    )
    if check is None:
        body = (
            f"<p>{pill('SEALED')} This page was written when the kit was sealed, and is itself listed in "
            f"<code>{SUMS}</code> and sealed in <code>{EVENTS}</code> with every other file. A page inside the "
            "kit cannot show the check of the kit it belongs to: run the check.</p>"
        )
    elif check.ok:
        body = (
            f"<p>{pill('PASS')} <b>kit OK</b>: {check.files_checked} files match <code>{SUMS}</code> and the "
            f"hashes sealed in the event chain; {check.events} chained events, unbroken.</p>"
        )
    else:
        shown, left = capped(check.problems)
        body = (
            f"<p>{pill('FAIL')} <b>kit FAILED verification</b>: {len(check.problems)} problem(s). The kit "
            "was changed after it was sealed.</p>"
            + table(("file", "problem"), [(code(p.file), p.problem) for p in shown], "problems")
            + more(left)
        )
    if check is not None:
        body += dl(
            [("signature", check.signature), ("sha256 of SHA256SUMS", code(sums_sha256) if sums_sha256 else None)]
        )
    body += _kit_files(kit.root)
    return f'<section id="evidence"><h2>Evidence check</h2>{body}{rerun}</section>'


def _kit_files(root: Path) -> str:
    """The files of the kit as SHA256SUMS lists them (or, before the seal, as they are on disk)."""
    sums = read_text(root, SUMS)
    rows: list[tuple[object, ...]] = []
    if sums is not None:
        for line in sums.splitlines():
            digest, _, rel = line.partition("  ")
            if rel:
                rows.append((code(rel), code(digest)))
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
            rows.append((code(rel), f"{size:,} bytes"))
        rows += [(code(p.file), p.problem) for p in walked.refused]
        rows.sort(key=str)
        head = ("file", "size")
    if not rows:
        return ""
    shown, left = capped(rows)
    return (
        f"<details><summary>{len(rows)} files in the kit</summary>{table(head, shown, 'files')}{more(left)}</details>"
    )


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
        page = fallback_page(f"{type(exc).__name__}: {exc}")
    target = root / REPORT
    try:
        write_private(target, page.encode("utf-8", "replace"))
    except OSError:
        target.unlink(missing_ok=True)


def fallback_page(why: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}"><title>pgwarden report</title>'
        f'<style>{css()}</style></head><body><div class="wrap"><h1>pgwarden report</h1>'
        f'<p class="tamper">This page could not be rendered: {e(why)}. SUMMARY.md and run.json hold the '
        "record.</p></div></body></html>\n"
    )
