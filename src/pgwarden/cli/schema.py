"""``pgwarden schema NAME``: print a shipped JSON Schema."""

from __future__ import annotations

from typing import Any

import click
from click.shell_completion import CompletionItem

from pgwarden.cli.base import json_option, main, run
from pgwarden.schemas import NAMES


def _complete(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(n) for n in NAMES if n.startswith(incomplete)]


@main.command("schema")
@click.argument("name", metavar="NAME", shell_complete=_complete)
@json_option
def schema_cmd(name: str, as_json: bool) -> None:
    """Print the JSON Schema (draft 2020-12) NAME: manifest (or pgwarden.toml), expectations, fingerprint, run.

    \b
    For an editor's TOML language server (taplo, Even Better TOML):
      pgwarden schema manifest > pgwarden.schema.json
    then put `#:schema ./pgwarden.schema.json` on the first line of pgwarden.toml.
    """
    from pgwarden.schemas import load_schema, schema_text

    def get() -> Any:
        return load_schema(name) if as_json else schema_text(name)

    run(get, as_json=as_json, render=lambda text: str(text).rstrip("\n"))
