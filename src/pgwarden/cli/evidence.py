"""``pgwarden evidence verify``, ``pgwarden evidence sign`` and ``pgwarden report``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pgwarden.cli.base import Decorator, choice_option, json_option, main, run
from pgwarden.textsafe import lines, out_line

if TYPE_CHECKING:
    from pgwarden.evidence.report import ReportResult
    from pgwarden.evidence.verify import KitVerification

kit_argument: Decorator = click.argument("kit_dir", type=click.Path(path_type=Path))


def public_key_option(help: str) -> Decorator:
    return click.option(
        "--key", type=click.Path(path_type=Path), default=None, envvar="PGWARDEN_KIT_PUBLIC_KEY", help=help
    )


@main.group("evidence")
def evidence_group() -> None:
    """Evidence kits."""


@evidence_group.command("verify")
@kit_argument
@public_key_option("SSH public key: also require a valid SHA256SUMS.sig by its holder.")
@json_option
def evidence_verify_cmd(kit_dir: Path, key: Path | None, as_json: bool) -> None:
    """Re-check a kit's SHA256SUMS, event chain and seal (and, with --key, its signature).

    Exit 1 names each changed file. Without a signature, this catches accidents and partial edits,
    not someone who rewrites the whole kit and every hash in it.
    """
    from pgwarden.evidence.verify import verify_kit

    def render(r: KitVerification) -> str:  # file names and problems come from the kit: one line each
        if r.ok:
            return out_line(
                f"kit OK: {r.files_checked} files, {r.events} chained events ({r.path}); signature: {r.signature}"
            )
        return lines(["kit FAILED verification:", *(f"  {p.file}: {p.problem}" for p in r.problems)])

    run(lambda: verify_kit(kit_dir, key), as_json=as_json, render=render, exit_code=lambda r: 0 if r.ok else 1)


@evidence_group.command("sign")
@kit_argument
@click.option(
    "--key",
    type=click.Path(path_type=Path),
    required=True,
    envvar="PGWARDEN_KIT_KEY",
    help="SSH private key (or a public key whose private half ssh-agent holds).",
)
@json_option
def evidence_sign_cmd(kit_dir: Path, key: Path, as_json: bool) -> None:
    """Sign a kit: ssh-keygen -Y sign over its SHA256SUMS, written to SHA256SUMS.sig."""
    from pgwarden.evidence.sign import sign_kit

    run(lambda: sign_kit(kit_dir, key), as_json=as_json, render=lambda r: f"signed {r.kit}: {r.signature}")


@main.command("report")
@click.argument("kit_dir", metavar="KIT", type=click.Path(path_type=Path))
@click.option(
    "--html",
    "html_file",
    metavar="FILE",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the page (default ./<KIT name>.report.html; never inside the kit).",
)
@public_key_option("SSH public key: the evidence check also requires a valid SHA256SUMS.sig.")
@choice_option(
    "--format",
    "fmt",
    choices=("html", "text"),
    default="html",
    help="html: write the page; text: print the kit's report here instead (no page is written).",
)
@json_option
def report_cmd(kit_dir: Path, html_file: Path | None, key: Path | None, fmt: str, as_json: bool) -> None:
    """Render a kit as one self-contained HTML page, with its evidence check.

    The page shows the verdict, the gate timeline, the command's report (for apply: the bundles, the
    failing statement with the server's error, the fingerprint differences, the backup's pin and TOC
    header), and the result of `pgwarden evidence verify` with how to re-run it. It loads nothing and runs
    no script. Every kit already carries one (KIT/report.html, sealed with it, without the check's result).
    --format text prints the same report here instead. Exit 1 when the kit fails its evidence check (the
    page is written and says so), whatever the kit's own verdict.
    """
    from pgwarden.evidence.report import report_kit

    def render(r: ReportResult) -> str:
        v = r.evidence
        check = (
            [f"kit OK: {v.files_checked} files, {v.events} chained events; signature: {v.signature}"]
            if v.ok
            else [
                f"kit FAILED verification ({len(v.problems)} problem(s)):",
                *(f"  {p.file}: {p.problem}" for p in v.problems[:20]),
            ]
        )
        check[0] = f"evidence check: {check[0]}"
        if r.html is None:  # --format text: the report, then the check
            return lines([*r.text, "", *check])
        return lines([f"report: {r.html} (pgwarden {r.command}: {r.kit_status})", *check])  # kit text: one line each

    run(
        lambda: report_kit(kit_dir, html_file, key, fmt),
        as_json=as_json,
        render=render,
        exit_code=lambda r: 0 if r.evidence_ok else 1,
    )
