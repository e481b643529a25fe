"""The click group, shared options, and the one place errors become exit codes and messages."""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

import click

from pgwarden import __version__, signals
from pgwarden.errors import ExitCode, PgwardenError, disk_full
from pgwarden.redact import redact_text
from pgwarden.results import to_jsonable


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="pgwarden")
def main() -> None:
    """pgwarden: make production PostgreSQL changes provable."""
    signals.install()


def json_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print the result object as JSON on stdout.")(f)


def dsn_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--dsn", envvar="PGWARDEN_DSN", default=None,
                        help="libpq URI or key=value string; default: PG* environment and .pgpass.")(f)


def out_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--out", type=click.Path(file_okay=False), default=None,
                        help="Evidence kit directory (default ./pgwarden-runs/<UTC>-<command>/).")(f)


def fail(err: PgwardenError) -> NoReturn:
    click.echo(f"pgwarden: {err.category}: {redact_text(err.message)}", err=True)
    for line in err.details:
        click.echo(f"  {redact_text(line)}", err=True)
    sys.exit(int(err.exit_code))


def _bug() -> NoReturn:
    click.echo(redact_text(traceback.format_exc()), err=True)
    click.echo("pgwarden: internal error (a bug): please report the traceback above", err=True)
    sys.exit(70)


def run(fn: Callable[[], Any], *, as_json: bool, render: Callable[[Any], str] | None = None,
        exit_code: Callable[[Any], int] | None = None) -> NoReturn:
    """Call ``fn``; print its result (JSON or ``render``); exit with the right code.

    A :class:`PgwardenError` becomes its message and exit code; KeyboardInterrupt becomes 130. Any
    other exception is a bug: its traceback is shown and the exit code is 70 (EX_SOFTWARE).
    """
    try:
        result = fn()
    except PgwardenError as err:
        fail(err)
    except KeyboardInterrupt:
        click.echo("pgwarden: interrupted: throwaway instances removed", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    except click.exceptions.Exit:
        raise
    except OSError as exc:
        full = disk_full(exc)
        if full is None:
            _bug()
        fail(full)
    except Exception:
        _bug()
    if as_json:
        click.echo(json.dumps(to_jsonable(result), indent=2, sort_keys=True, default=str))
    elif render is not None:
        text = render(result)
        if text:
            click.echo(text)
    sys.exit(exit_code(result) if exit_code else 0)
