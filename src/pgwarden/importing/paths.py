"""``pgwarden import`` reads only files inside its source directory DIR.

Every path a reader opens goes through :class:`Tree`: a path that leaves DIR by its words (``../x.sql``, an
absolute path, a Sqitch change named ``a/../../x``) or through a symlink (a deploy script, or a directory on
its way, that links outside DIR) is bad input naming the file and the rule. A symlink whose target stays
inside DIR is followed (it names a file of the same project); a symlinked directory met while listing a
directory is not descended into (its target, inside DIR, is listed where it is).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pgwarden.errors import BadInput

RULE = "import reads only files inside DIR"


@dataclass(frozen=True)
class Tree:
    """A source directory, as given (``root``) and resolved (``real``)."""

    root: Path
    real: Path

    @classmethod
    def of(cls, root: Path) -> Tree:
        return cls(root, Path(os.path.realpath(root)))

    def _inside(self, real: Path) -> bool:
        return real == self.real or self.real in real.parents

    def path(self, rel: str, *, named_by: str = "") -> Path:
        """``root/rel``, once it is known to lie inside DIR (whether or not it exists); ``named_by`` says where
        the name came from (``sqitch.plan:7``) for the message."""
        why = f" ({named_by})" if named_by else ""
        norm = os.path.normpath(rel)
        if os.path.isabs(rel) or norm == ".." or norm.startswith(".." + os.sep):
            raise BadInput(f"{rel}{why}: outside DIR {self.root}: {RULE}")
        path = self.root / rel
        real = Path(os.path.realpath(path))
        if self._inside(real):
            return path
        here = self.root
        for i, part in enumerate(Path(norm).parts, 1):
            here = here / part
            target = Path(os.path.realpath(here))
            if here.is_symlink() and not self._inside(target):
                shown = "/".join(Path(norm).parts[:i])
                what = "a symlinked directory" if here.is_dir() else "a symlink"
                holds = f" (on the way to {rel})" if shown != norm else ""
                raise BadInput(f"{shown}{why} is {what} to {target}, outside DIR {self.root}{holds}: {RULE}")
        raise BadInput(f"{rel}{why} resolves to {real}, outside DIR {self.root}: {RULE}")

    def files(self, pattern: str, *, recursive: bool = False) -> Iterator[tuple[str, Path]]:
        """``(rel, path)`` of each file matching ``pattern`` (a glob on the name), sorted, each checked to lie
        inside DIR; with ``recursive``, in subdirectories too, never through a symlinked directory."""
        found: list[str] = []
        if recursive:
            for top, dirs, names in os.walk(self.root, followlinks=False):
                for d in list(dirs):
                    full = Path(top) / d
                    if full.is_symlink():
                        self.path(os.path.relpath(full, self.root))  # outside DIR: refused
                        dirs.remove(d)  # inside: listed where it is
                found += [os.path.relpath(Path(top) / n, self.root) for n in names]
        else:
            found = [p.name for p in self.root.iterdir() if p.is_symlink() or not p.is_dir()]
        for rel in sorted(found):
            if Path(rel).match(pattern):
                yield rel, self.path(rel)
