"""Secret redaction for anything shown to a person or written to disk."""

from __future__ import annotations

import re

_SECRET_KEYS = ("password", "passfile_content", "sslpassword")
# Greedy to the last "@" of the authority: an unencoded "@" inside the password must not leave its tail.
_URI_PASSWORD = re.compile(r"(postgres(?:ql)?://[^:/@\s]*):([^/\s]*)@")
_KV_PASSWORD = re.compile(r"((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)

REDACTED = "********"
_REGISTERED: set[str] = set()  # values marked secret while the process runs ([vars] with secret = true)


def register_secret(value: str) -> None:
    """Redact ``value`` from everything :func:`redact_text` sees from now on (short values are too common)."""
    if len(value) >= 4:
        _REGISTERED.add(value)


def dsn_secrets(dsn: str | None) -> tuple[str, ...]:
    """Every piece of ``dsn`` that may be (part of) a password, even in a DSN libpq cannot parse.

    An unquoted ``password=LeakA LeakB`` makes libpq quote ``LeakB`` in its error, and an unencoded
    ``@`` in a URI password makes it quote the rest as a host name: those pieces are secrets too.
    """
    if not dsn:
        return ()
    out: list[str] = []
    for m in re.finditer(r"(?:ssl)?password\s*=\s*", dsn, re.IGNORECASE):
        rest = dsn[m.end() :]
        if rest.startswith("'"):
            end = re.match(r"'((?:[^'\\]|\\.)*)'?", rest)
            out.append(end.group(1) if end else rest)
            continue
        for token in rest.split():
            if "=" in token:
                break
            out.append(token)
    uri = re.match(r"postgres(?:ql)?://([^/\s]*)", dsn)
    if uri and "@" in uri.group(1):
        userinfo = uri.group(1).rsplit("@", 1)[0]
        if ":" in userinfo:
            password = userinfo.split(":", 1)[1]
            out += [password, *password.split("@")]
    return tuple(sorted({s for s in out if s}, key=len, reverse=True))


def redact_dsn(dsn: str | None) -> str:
    """Return ``dsn`` with any password replaced, in the same style (URI or key=value)."""
    if not dsn:
        return ""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo  # only here: the CLI starts without psycopg

    try:
        params = conninfo_to_dict(dsn)
    except Exception:
        return redact_text(dsn, dsn_secrets(dsn))
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
    for secret in (*secrets, *sorted(_REGISTERED, key=len, reverse=True)):
        if secret:
            text = text.replace(secret, REDACTED)
    return text
