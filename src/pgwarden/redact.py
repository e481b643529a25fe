"""Secret redaction for anything shown to a person or written to disk."""

from __future__ import annotations

import re

_SECRET_KEYS = ("password", "passfile_content", "sslpassword")
_URI_PASSWORD = re.compile(r"(postgres(?:ql)?://[^:/@\s]*):([^@\s]*)@")
_KV_PASSWORD = re.compile(r"((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)

REDACTED = "********"


def redact_dsn(dsn: str | None) -> str:
    """Return ``dsn`` with any password replaced, in the same style (URI or key=value)."""
    if not dsn:
        return ""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo  # only here: the CLI starts without psycopg

    try:
        params = conninfo_to_dict(dsn)
    except Exception:
        return redact_text(dsn)
    if not any(k in params for k in _SECRET_KEYS):
        return redact_text(dsn)
    if "://" in dsn:
        return redact_text(dsn)
    for key in _SECRET_KEYS:
        if key in params:
            params[key] = REDACTED
    return make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Mask passwords in URIs and key=value strings, plus any literal secret given."""
    text = _URI_PASSWORD.sub(lambda m: f"{m.group(1)}:{REDACTED}@", text)
    text = _KV_PASSWORD.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text
