"""The click group, shared options, and the one place results and errors become output and exit codes.

Every command prints its result once: rendered text on stdout, or with ``--json`` one envelope
``{"schema_version", "command", "status", "exit_code", "kit", "result" | "error"}`` for every exit code.
Progress goes to stderr through the reporter the CLI gives the library (:mod:`pgwarden.cli.reporter`).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

import click

from pgwarden.errors import ExitCode, Interrupted, PgwardenError, Signalled, disk_full, interrupted
from pgwarden.jsonable import to_jsonable
from pgwarden.redact import redact_text
from pgwarden.textsafe import out_line
from pgwarden.version import __version__

ENVELOPE_VERSION = 1
BUG = 70  # EX_SOFTWARE: anything that is not a PgwardenError
_STATUS = {0: "PASS", 1: "FAIL", 2: "BAD_INPUT", 3: "ENVIRONMENT", 130: "INTERRUPTED", BUG: "BUG"}

EPILOG = """\b
Exit codes (every command):
  0    PASS
  1    FAIL: a gate failed; the evidence kit says which and why
  2    bad input (usage, manifest, SQL syntax, drift from pgwarden.sum): nothing was touched
  3    environment (cannot connect, binaries missing, disk full): nothing is lost
  130  interrupted: throwaway instances removed, the target left consistent
  70   a bug: the traceback is printed

\b
Environment: every option can also be set as PGWARDEN_<COMMAND>_<OPTION>
(e.g. PGWARDEN_CHECK_NO_KIT=1, PGWARDEN_BACKUP_FORMAT=directory); each
command's --help names its variables. A repeatable option takes one value
per line. The command line wins over the environment.
Name targets with a pg_service.conf service: --dsn service=prod.

\b
Shell completion (bash; zsh and fish likewise with zsh_source, fish_source):
  eval "$(_PGWARDEN_COMPLETE=bash_source pgwarden)\""""


def _warn_about_bin_path() -> None:
    """A ``PGWARDEN_PG_BIN`` entry that does not exist is a typo the operator wants to hear about."""
    for entry in filter(None, os.environ.get("PGWARDEN_PG_BIN", "").split(os.pathsep)):
        if not os.path.isdir(entry):
            click.echo(f"pgwarden: warning: PGWARDEN_PG_BIN entry {entry} is not a directory; it is ignored", err=True)


def _raise_interrupted(signum: int, _frame: FrameType | None) -> None:
    raise Signalled(signum)


def install_signal_handlers() -> None:
    """SIGTERM and SIGHUP raise :class:`Signalled` (a KeyboardInterrupt, like SIGINT's), so ``with`` blocks
    tear throwaway instances down and nothing catching ``Exception`` can swallow them."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupted)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # KeyboardInterrupt, as Python does


class _Redacting:
    """stdout or stderr, with every secret ``[vars]`` value and password masked in what is written
    (:func:`pgwarden.redact.redact_text`): a server's error message, a progress line or a rendered result that
    quotes a secret prints it as ``********``, as the kit records it. Writes go through whole: click, print and
    rich write a line (or a rendered block) at a time, and a secret is found within one write."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(redact_text(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding, buffer…: the stream's own
        return getattr(self._inner, name)


def redact_outputs() -> None:
    """Every secret is masked on stdout and stderr from here on (idempotent)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _Redacting):
            setattr(sys, name, _Redacting(stream))


ENV_PREFIX = "PGWARDEN"
VERBOSITY = "pgwarden.verbosity"  # ctx.meta key of the root context: -1 quiet, 0 normal, 1 verbose
_TRUE = {"1", "true", "t", "yes", "y", "on"}  # what click reads as a set flag


class _Group(click.Group):
    """The root group: a usage error is exit 2 with one line, and with ``--json`` an envelope too."""

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        os.umask(0o077)  # whatever a child writes (pg_dump's files) is private too
        install_signal_handlers()
        redact_outputs()
        _warn_about_bin_path()
        try:
            rv = super().main(argv, prog_name or "pgwarden", complete_var, standalone_mode=False, **extra)
        except PgwardenError as err:  # raised outside a command's run(): e.g. SIGTERM during a lazy import
            _fail(err, self._json_requested(argv))
        except KeyboardInterrupt as exc:
            _fail(interrupted(exc), self._json_requested(argv))
        except click.ClickException as exc:
            if self._json_requested(argv):
                command = next((a for a in argv if not a.startswith("-")), "pgwarden")
                body = {
                    "schema_version": ENVELOPE_VERSION,
                    "command": command,
                    "status": _STATUS[2],
                    "exit_code": exc.exit_code,
                    "kit": None,
                    "error": {"category": "bad-input", "message": exc.format_message(), "details": []},
                }
                click.echo(json.dumps(body, indent=2, sort_keys=True))
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.Abort as exc:  # click turns a signal during its own parsing into Abort
            cause = exc.__cause__ or exc.__context__
            _fail(
                interrupted(cause if isinstance(cause, KeyboardInterrupt) else KeyboardInterrupt()),
                self._json_requested(argv),
            )
        sys.exit(rv if isinstance(rv, int) else 0)

    def _json_requested(self, argv: list[str]) -> bool:
        """``--json`` on the command line, or its PGWARDEN_<COMMAND>_JSON variable (before click parsed it)."""
        if "--json" in argv:
            return True
        cmd: click.Command = self
        path: list[str] = []
        for word in argv:
            if word.startswith("-"):
                continue
            if not isinstance(cmd, click.Group) or word not in cmd.commands:
                break
            cmd = cmd.commands[word]
            path.append(word)
        name = "_".join((ENV_PREFIX, *path, "JSON")).upper().replace("-", "_")
        return bool(path) and os.environ.get(name, "").strip().lower() in _TRUE


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["--help"], "max_content_width": 110, "auto_envvar_prefix": ENV_PREFIX},
    epilog=EPILOG,
)
@click.version_option(__version__, "-V", "--version", prog_name="pgwarden")
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr (results, errors and warnings still show).")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="More progress: every gate with its status and seconds, each line with the time since start.",
)
@click.pass_context
def main(ctx: click.Context, quiet: bool, verbose: bool) -> None:
    """pgwarden: make production PostgreSQL changes provable."""
    install_signal_handlers()
    if quiet and verbose:
        sources = {n: ctx.get_parameter_source(n) for n in ("quiet", "verbose")}
        given = [n for n, src in sources.items() if src == click.core.ParameterSource.COMMANDLINE]
        if len(given) != 1:  # both on the command line, or both from the environment
            raise click.UsageError("-q/--quiet and -v/--verbose contradict each other; give one")
        quiet, verbose = given == ["quiet"], given == ["verbose"]  # the command line wins over the environment
    ctx.meta[VERBOSITY] = -1 if quiet else 1 if verbose else 0


def verbosity() -> int:
    """-1 with -q, 1 with -v, 0 otherwise (and outside a command line)."""
    ctx = click.get_current_context(silent=True)
    return int(ctx.find_root().meta.get(VERBOSITY, 0)) if ctx is not None else 0


# -- every option from the environment ----------------------------------------------------------------
class _Lines(click.types.StringParamType):
    """A repeatable text option read from the environment: one value per line (a key=value DSN or a
    NAME=SQL query has spaces, so click's split on whitespace would cut it apart)."""

    def split_envvar_value(self, rv: str) -> list[str]:
        return [line for line in (rv or "").splitlines() if line.strip()]


def envvar_name(path: tuple[str, ...], option: click.Option) -> str:
    """``PGWARDEN_<COMMAND>_<OPTION>`` from the command path and the option's long name, as --help shows it:
    ``check --no-kit`` -> PGWARDEN_CHECK_NO_KIT, ``backup --format`` -> PGWARDEN_BACKUP_FORMAT."""
    long = [o for o in option.opts if o.startswith("--")]
    word = long[0][2:] if long else (option.name or "")
    return "_".join((ENV_PREFIX, *path, word)).upper().replace("-", "_")


def apply_conventions(group: click.Group, path: tuple[str, ...] = ()) -> None:
    """Give every option of every command its environment variable, shown in --help.

    The variable is named after the option's long name (click's automatic names come from the Python
    parameter, ``as_json`` for ``--json``). An option that already reads a shared variable (``--dsn`` reads
    PGWARDEN_DSN) keeps it, after its own. ``-V``/``--version`` and ``--help`` read none: a
    ``PGWARDEN_VERSION`` set for some other purpose must not turn every run into a version print.
    """
    commands: list[tuple[tuple[str, ...], click.Command]] = [(path, group)]
    commands += [((*path, name), cmd) for name, cmd in group.commands.items() if not isinstance(cmd, click.Group)]
    for cmd_path, cmd in commands:
        help_option = cmd.get_help_option(click.Context(cmd, help_option_names=["--help"]))
        if help_option is not None:
            help_option.allow_from_autoenv = False
        for param in cmd.params:
            if not isinstance(param, click.Option):
                continue
            param.allow_from_autoenv = False
            if "--version" in param.opts:
                continue
            own = envvar_name(cmd_path, param)
            shared = [param.envvar] if isinstance(param.envvar, str) else list(param.envvar or ())
            param.envvar = [own, *(e for e in shared if e != own)]
            param.show_envvar = True
            if param.multiple and isinstance(param.type, click.types.StringParamType):
                param.type = _Lines()
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            apply_conventions(cmd, (*path, name))


# -- options and arguments several commands share (apply_conventions adds each one's PGWARDEN_* variable) --
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

json_option: Decorator = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON envelope on stdout (for every exit code)."
)
dsn_option: Decorator = click.option(
    "--dsn",
    envvar="PGWARDEN_DSN",
    default=None,
    help="libpq URI or key=value string; default: PG* environment and .pgpass.",
)
package_argument: Decorator = click.argument("package", type=click.Path(path_type=Path))


def out_option(command: str = "<command>", *, envvar: str | None = None, help: str | None = None) -> Decorator:
    """``--out DIR``, the evidence kit directory; ``envvar`` is a variable other commands read too (PGWARDEN_OUT)."""
    return click.option(
        "--out",
        type=click.Path(file_okay=False),
        default=None,
        envvar=envvar,
        help=help or f"Evidence kit directory (default ./pgwarden-runs/<UTC>-{command}/).",
    )


def choice_option(*decls: str, choices: Sequence[str], default: str | None = None, **attrs: Any) -> Decorator:
    """An option that takes one of ``choices``; its default, when it has one, is shown in --help."""
    return click.option(*decls, type=click.Choice(choices), default=default, show_default=default is not None, **attrs)


def _command() -> str:
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return "pgwarden"
    return ctx.command_path.removeprefix(ctx.find_root().info_name or "pgwarden").strip() or "pgwarden"


def _envelope(code: int, *, result: Any = None, error: dict[str, Any] | None = None, kit: str | None = None) -> str:
    body: dict[str, Any] = {
        "schema_version": ENVELOPE_VERSION,
        "command": _command(),
        "status": _STATUS.get(code, "FAIL"),
        "exit_code": code,
        "kit": kit,
    }
    if error is not None:
        body["error"] = error
    else:
        body["result"] = to_jsonable(result)
    return redact_text(json.dumps(body, indent=2, sort_keys=True, default=str))


def _fail(err: PgwardenError, as_json: bool) -> NoReturn:
    code = int(err.exit_code)
    if as_json:
        click.echo(
            _envelope(
                code,
                kit=err.kit,
                error={
                    "category": err.category,
                    "message": redact_text(err.message),
                    "details": [redact_text(d) for d in err.details],
                    "places": [{"file": redact_text(p.file), "line": p.line, "col": p.col} for p in err.places],
                },
            )
        )
    click.echo(out_line(f"pgwarden: {err.category}: {redact_text(err.message)}"), err=True)
    for line in err.details:
        click.echo(out_line(f"  {redact_text(line)}"), err=True)
    if err.kit:
        click.echo(out_line(f"  evidence kit: {err.kit}"), err=True)
    sys.exit(code)


def _bug(as_json: bool, exc: BaseException) -> NoReturn:
    click.echo(redact_text(traceback.format_exc()), err=True)
    click.echo("pgwarden: internal error (a bug): please report the traceback above", err=True)
    if as_json:
        click.echo(
            _envelope(
                BUG, error={"category": "bug", "message": redact_text(f"{type(exc).__name__}: {exc}"), "details": []}
            )
        )
    sys.exit(BUG)


def run(
    fn: Callable[[], Any],
    *,
    as_json: bool,
    render: Callable[[Any], str] | None = None,
    exit_code: Callable[[Any], int] | None = None,
) -> NoReturn:
    """Call ``fn``; print its result (the JSON envelope or ``render``); exit with the right code.

    A :class:`PgwardenError` becomes its message and exit code; KeyboardInterrupt becomes 130. Any
    other exception is a bug: its traceback is shown and the exit code is 70 (EX_SOFTWARE).
    """
    try:
        result = fn()
    except PgwardenError as err:
        _fail(err, as_json)
    except KeyboardInterrupt as exc:
        _fail(Interrupted(f"{interrupted(exc).message}: throwaway instances removed"), as_json)
    except click.exceptions.Exit:
        raise
    except OSError as exc:
        full = disk_full(exc)
        if full is None:
            _bug(as_json, exc)
        _fail(full, as_json)
    except Exception as exc:
        _bug(as_json, exc)
    code = exit_code(result) if exit_code else int(ExitCode.PASS)
    if as_json:
        click.echo(_envelope(code, result=result, kit=_kit_of(result)))
    elif render is not None:
        text = render(result)
        if text:
            click.echo(text)
    sys.exit(code)


def _kit_of(result: Any) -> str | None:
    kit = getattr(result, "kit", None)
    return str(kit) if kit else None


def passed(result: Any) -> int:
    """Exit code from a result's verdict: 0 for PASS, 1 otherwise."""
    return 0 if str(getattr(result, "verdict", "FAIL")) == "PASS" else 1
