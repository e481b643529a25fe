"""The SQL pgwarden ships: catalog queries live in ``.sql`` files in an ``sql/`` folder beside the code that
runs them (``pgwarden/probe/sql/tables.sql``); this loads them once."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def load(package: str, name: str) -> str:
    """The text of ``<package>/sql/<name>``, e.g. ``load("pgwarden.probe", "tables.sql")``."""
    return resources.files(package).joinpath("sql", *name.split("/")).read_text(encoding="utf-8")
