"""Catalog SQL lives in ``.sql`` files next to the code; this loads them once."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def load(name: str) -> str:
    """Return the text of ``pgwarden/sql/<name>``."""
    return resources.files("pgwarden").joinpath("sql", name).read_text(encoding="utf-8")
