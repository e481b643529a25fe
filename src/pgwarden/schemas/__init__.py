"""JSON Schemas (draft 2020-12) of pgwarden's files: the manifest, expectations, fingerprints and ``run.json``.

They ship as ``*.schema.json`` beside this module and are what ``pgwarden schema NAME`` prints, so an
editor's TOML language server (taplo, Even Better TOML) can complete and check a ``pgwarden.toml`` as it is
typed, and a consumer of a kit can validate what it reads. A schema checks the shape of a file; the rules
that need the package's files or PostgreSQL's grammar (a file exists, ids are unique, SQL parses) stay with
the loaders, and ``pgwarden check`` remains the judge.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from pgwarden.errors import BadInput

# name -> file; "pgwarden.toml" is an alias of "manifest".
SCHEMAS = {
    "manifest": "manifest.schema.json",
    "expectations": "expectations.schema.json",
    "fingerprint": "fingerprint.schema.json",
    "run": "run.schema.json",
}
ALIASES = {"pgwarden.toml": "manifest"}
NAMES = ("manifest", "pgwarden.toml", "expectations", "fingerprint", "run")


def canonical(name: str) -> str:
    """The schema a NAME means; :class:`BadInput` naming the choices otherwise."""
    key = ALIASES.get(name, name)
    if key not in SCHEMAS:
        raise BadInput(f"unknown schema {name!r}; expected one of {', '.join(NAMES)}")
    return key


def schema_text(name: str) -> str:
    """The schema file's text, exactly as shipped."""
    return resources.files(__name__).joinpath(SCHEMAS[canonical(name)]).read_text(encoding="utf-8")


def load_schema(name: str) -> dict[str, Any]:
    """The schema as a JSON object."""
    data = json.loads(schema_text(name))
    assert isinstance(data, dict)
    return data
