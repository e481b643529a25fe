"""The policy lint of ``pgwarden check`` (see :mod:`pgwarden.lint.run`).

Kept import-light: :mod:`pgwarden.manifest` uses :mod:`.kinds` and :mod:`.patterns` to validate
``[policy]``, and the rule modules need the manifest model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pgwarden.package.lint.run import lint_package as lint_package


def __getattr__(name: str) -> Any:
    if name == "lint_package":
        from pgwarden.package.lint.run import lint_package

        return lint_package
    raise AttributeError(name)
