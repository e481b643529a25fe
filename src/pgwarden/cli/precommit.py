"""The pre-commit hook: ``python -m pgwarden.cli.precommit [--lock-check] FILE…``.

pre-commit runs a hook from the repository's root and passes it the names of the staged files that
match the hook's ``files`` pattern (``.pre-commit-hooks.yaml`` at the root of pgwarden's repository).
Each file belongs to the package in its nearest parent directory that holds a ``pgwarden.toml``; a
file in no package, or inside an evidence kit (whose ``package/`` copies a manifest), is left alone.
Each package is then checked once, in the order its first file came:

- by default as ``pgwarden check PACKAGE --no-kit`` would: integrity (a stale or missing
  ``pgwarden.sum`` is bad input), the manifest and the policy lint, offline (nothing connects, even
  with ``PGWARDEN_DSN`` set: a commit hook never reaches a database);
- with ``--lock-check`` as ``pgwarden lock --check PACKAGE`` would: only whether ``pgwarden.sum`` is current.

Output is gcc-style ``file:line:col`` lines relative to the current directory; the exit code is the
worst of the packages' (0 PASS, 1 FAIL, 2 bad input, 3 environment), so any problem stops the commit.
This is an entry point, not a pgwarden command: it prints, the functions it calls do not.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pgwarden.cli.base import redact_outputs
from pgwarden.errors import ExitCode, PgwardenError
from pgwarden.package.manifest import MANIFEST
from pgwarden.redact import redact_text
from pgwarden.textsafe import lines as text_lines

_SKIP_DIRS = frozenset({"pgwarden-runs", ".git", "node_modules", "__pycache__"})


def _is_kit(d: Path) -> bool:
    return (d / "SHA256SUMS").is_file() and (d / "run.json").is_file()


def package_of(file: Path) -> Path | None:
    """The nearest directory at or above ``file``'s own that holds a ``pgwarden.toml``, or None.

    A relative ``file`` is looked up no higher than the current directory (the repository root, where
    pre-commit runs hooks). Nothing inside an evidence kit or a ``pgwarden-runs`` tree is a package: a
    kit's ``package/`` holds a copy of the manifest, not the package.
    """
    start = file if file.is_dir() else file.parent
    candidates = [start, *start.parents]
    if any(d.name in _SKIP_DIRS or _is_kit(d) for d in candidates):
        return None
    return next((d for d in candidates if (d / MANIFEST).is_file()), None)


def packages_of(files: Iterable[str | Path]) -> list[Path]:
    """Each package that holds one of ``files``, once, in the order of its first file."""
    seen: dict[Path, None] = {}
    for f in files:
        pkg = package_of(Path(f))
        if pkg is not None:
            seen.setdefault(pkg, None)
    return list(seen)


@dataclass(frozen=True)
class HookRun:
    package: Path
    exit_code: int
    output: str  # stdout: the gcc lines, or the lock check's verdict
    error: str = ""  # stderr: why it could not be checked


def _display(pkg: Path) -> str:
    return pkg.as_posix() if str(pkg) != "." else "."


def _error_text(err: PgwardenError) -> str:
    return text_lines(
        redact_text(x) for x in [f"pgwarden: {err.category}: {err.message}", *(f"  {d}" for d in err.details)]
    )


def check_one(pkg: Path, *, lock_check: bool = False, cwd: Path | None = None) -> HookRun:
    """Check one package as the hook does (see the module docstring); never raises a PgwardenError."""
    from pgwarden.cli.formats import render_gcc

    where = cwd or Path.cwd()
    try:
        if lock_check:
            from pgwarden.package.lock import check_lock

            lr = check_lock(pkg)
            if lr.current:
                return HookRun(pkg, 0, f"{_display(pkg)}: pgwarden.sum is current ({len(lr.entries)} files pinned)")
            lines = [
                f"{_display(pkg)}: pgwarden.sum is stale: {', '.join(dict.fromkeys(d.path for d in lr.differ))}",
                *(f"  {_display(pkg / d.path)}: {d.why}" for d in lr.differ),
                f"review the package, then run `pgwarden lock {_display(pkg)}`",
            ]
            return HookRun(pkg, int(ExitCode.FAIL), text_lines(lines))
        from pgwarden.check.check import check

        result = check(pkg, dsn=None, write_kit=False)
        return HookRun(pkg, 0 if str(result.verdict) == "PASS" else int(ExitCode.FAIL), render_gcc(result, cwd=where))
    except PgwardenError as err:
        return HookRun(pkg, int(err.exit_code), "", _error_text(err))


def run_hook(files: Sequence[str], *, lock_check: bool = False) -> tuple[int, list[HookRun]]:
    """Check every package that holds one of ``files``; the worst exit code, and each package's run."""
    runs = [check_one(p, lock_check=lock_check) for p in packages_of(files)]
    return max((r.exit_code for r in runs), default=0), runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pgwarden.cli.precommit",
        description="pre-commit hook: check each change package that holds one of FILE (the nearest parent "
        f"directory with a {MANIFEST}), offline, once.",
    )
    parser.add_argument(
        "--lock-check",
        action="store_true",
        help="only say whether each package's pgwarden.sum is current (pgwarden lock --check)",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="changed files, as pre-commit passes them")
    args = parser.parse_args(argv)
    redact_outputs()
    try:
        code, runs = run_hook(args.files, lock_check=args.lock_check)
    except KeyboardInterrupt:
        print("pgwarden: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    for r in runs:
        if r.output:
            print(r.output)
        if r.error:
            print(r.error, file=sys.stderr)
    if runs and code:
        bad = [_display(r.package) for r in runs if r.exit_code]
        print(f"pgwarden: {len(bad)} of {len(runs)} package(s) did not pass: {', '.join(bad)}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
