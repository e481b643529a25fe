"""``pgwarden report KIT [--html FILE | --format text]``: a kit as one self-contained HTML page (or as text), with
its evidence check.

Every kit already carries ``report.html``, written and sealed with it; that copy cannot show the check
of the kit it belongs to. This command re-checks the kit (what ``pgwarden evidence verify`` does) and
writes a page that shows the result, *outside* the kit: a file added to a sealed kit would make its
check fail. Default FILE: ``./<kit directory name>.report.html``. ``--format text`` writes no page: the report's
blocks are rendered for a terminal (:mod:`pgwarden.evidence.render_text`). Never changes the kit.

The kit is untrusted input: it is read as the verifier reads it (:mod:`pgwarden.evidence.kitfiles`), so a
symlinked kit directory is refused, and a symlink, FIFO or device file in the kit is never opened (the check
names it and FAILs, and the page is still written).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pgwarden import userfiles
from pgwarden.errors import BadInput
from pgwarden.evidence import kitfiles
from pgwarden.evidence.blocks import Gates
from pgwarden.evidence.kitfiles import Refused
from pgwarden.evidence.kitread import SUMS, gate_rows, load_kit
from pgwarden.evidence.render_html import render
from pgwarden.evidence.render_text import render_text
from pgwarden.evidence.verify import KitVerification, verify_kit
from pgwarden.private import write_private
from pgwarden.textsafe import one_line


@dataclass(frozen=True)
class ReportResult:
    kit: str
    html: str | None  # the page written (None: --format text)
    bytes: int
    command: str  # what the kit records: its command and verdict
    kit_status: str
    evidence: KitVerification  # the evidence check the page shows
    text: tuple[str, ...] = ()  # --format text: the report's lines

    @property
    def evidence_ok(self) -> bool:
        return self.evidence.ok


def default_target(kit: Path) -> Path:
    name = Path(os.path.abspath(kit)).name or "kit"
    return Path.cwd() / f"{name}.report.html"


def _check_target(kit: Path, target: Path) -> None:
    """Refuse, before reading anything big, a FILE that cannot be written or lies inside the kit."""
    if userfiles.exists(target, "--html") and target.is_dir():
        raise BadInput(f"--html {target}: is a directory; name the HTML file to write")
    parent = target.parent
    if not parent.is_dir():
        raise BadInput(f"--html {target}: directory {parent} does not exist")
    if Path(os.path.realpath(target)).is_relative_to(os.path.realpath(kit)):
        raise BadInput(
            f"--html {target}: inside the kit {kit}; a file added to a sealed kit makes its evidence "
            "check fail (the kit's own sealed copy is report.html); choose a path outside the kit"
        )


def report_kit(kit: Path, html: Path | None = None, key: Path | None = None, fmt: str = "html") -> ReportResult:
    """Check ``kit`` as ``evidence verify`` does (with ``key``, its signature too), render it with that
    result, and write the page to ``html`` (default :func:`default_target`). A kit that fails its check
    still gets its page, which says so first; the result carries the check. ``fmt`` "text": no page, the
    report's lines in the result."""
    kit = Path(kit)
    if fmt not in ("html", "text"):
        raise BadInput(f"--format {fmt!r}: expected html or text")
    if fmt == "text" and html is not None:
        raise BadInput("--html FILE writes a page; --format text writes none: give one of them")
    content = load_kit(kit)
    run = content.run
    if fmt == "text":
        v = verify_kit(kit, key)
        lines = (*(f"note: {n}" for n in content.notes), *render_text(content.report, Gates("Gates", gate_rows(run))))
        return ReportResult(str(kit), None, 0, _word(run.get("command")), _word(run.get("status")), v, lines)
    target = Path(html) if html is not None else default_target(kit)
    _check_target(kit, target)
    v = verify_kit(kit, key)
    try:
        sums_sha256: str | None = kitfiles.sha256(kit, SUMS)
    except Refused:
        sums_sha256 = None
    data = render(content, v, sums_sha256=sums_sha256, kit_path=os.path.abspath(kit)).encode("utf-8", "replace")
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
    try:
        write_private(tmp, data)
        os.replace(tmp, target)
    except PermissionError as exc:
        tmp.unlink(missing_ok=True)
        raise BadInput(f"--html {target}: cannot write: {exc.strerror}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ReportResult(str(kit), str(target), len(data), _word(run.get("command")), _word(run.get("status")), v)


def _word(value: object) -> str:
    """A kit's command or status for a terminal: a kit is untrusted, so no escape sequence gets through."""
    return one_line(str(value or "?")[:60])
