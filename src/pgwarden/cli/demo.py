"""``pgwarden demo``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pgwarden.cli.base import json_option, main, out_option, passed, run
from pgwarden.cli.reporter import reporter
from pgwarden.textsafe import lines as text_lines

if TYPE_CHECKING:
    from pgwarden.demo.demo import DemoResult


@main.command("demo")
@out_option(help="Directory for the demo's kits (default ./pgwarden-runs/<UTC>-demo/).")
@json_option
def demo_cmd(out: str | None, as_json: bool) -> None:
    """Run the seed stories end to end on embedded PostgreSQL that it starts and removes itself."""
    from pgwarden.demo.demo import demo

    def render(r: DemoResult) -> str:
        lines = [f"demo: {r.verdict}"]
        for p in r.parts:
            lines += [f"  {p.name} ({p.story}): {p.verdict}", *(f"    kit {k}" for k in p.kits)]
        lines.append("re-check any kit with: pgwarden evidence verify KIT")
        return text_lines(lines)

    run(lambda: demo(Path(out) if out else None, reporter=reporter()), as_json=as_json, render=render, exit_code=passed)
