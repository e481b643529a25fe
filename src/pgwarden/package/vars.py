"""``[vars]``: psql-style variables in bundle SQL (``:name``, ``:'name'``, ``:"name"``), as psql substitutes them.

A value comes from the manifest (``name = "v"`` or ``name = { value = "v" }``), the environment (``{ env =
"VAR" }``) or a file (``{ file = "path" }``; its trailing newline dropped), and may be ``secret = true``: then
it is redacted from every file, log and output, and the kit records only a salted hash of it. A file that is
not secret lies inside the package and is pinned by ``pgwarden.sum`` like a bundle (read once, with them). A
secret file may lie anywhere (``/run/secrets/x``, as Docker and Kubernetes mount them): it is read once, never
pinned or copied; a secret that is not available (its file or environment variable missing) stops only what
needs its value: an offline ``check`` parses the SQL with a stand-in and says so.
Variables are found with PostgreSQL's own scanner, so a ``:`` inside a string, a dollar-quoted body, a
comment, a ``::`` cast or an array slice is never one. A variable the manifest does not define is bad input
naming the file, line, column and variable (psql would send it to the server as a syntax error).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from pglast.parser import ParseError, scan

from pgwarden.errors import BadInput
from pgwarden.parsing.source import LineIndex
from pgwarden.redact import register_secret

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
GEXEC_QUOTE = "$pgwarden_gexec$"  # the DO block an imported psql \gexec became: its query is still psql's


class VarSource(StrEnum):
    MANIFEST = "manifest"
    ENV = "env"
    FILE = "file"


@dataclass(frozen=True)
class Var:
    name: str
    value: str = ""
    source: VarSource = VarSource.MANIFEST
    origin: str = ""  # the environment variable or file it came from
    secret: bool = False
    unavailable: str = ""  # a secret whose value could not be had here: why (its file or variable missing)

    @property
    def pinned(self) -> bool:
        """A non-secret file: part of the package, pinned by pgwarden.sum."""
        return self.source is VarSource.FILE and not self.secret

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.value.encode("utf-8")).hexdigest()

    def pin(self, salt: str) -> dict[str, Any]:
        """What the kit records: a value and its sha256, or for a secret only an HMAC-SHA256 keyed by ``salt``
        (recorded beside it), so that a short secret cannot be found again from the kit by trying values."""
        out: dict[str, Any] = {"source": str(self.source), "secret": self.secret}
        if self.origin:
            out["from"] = self.origin
        if not self.secret:
            out.update(value=self.value, sha256=self.sha256)
        elif self.unavailable:
            out["unavailable"] = self.unavailable
        else:
            out.update(
                salt=salt,
                salted_sha256=hmac.new(bytes.fromhex(salt), self.value.encode("utf-8"), hashlib.sha256).hexdigest(),
            )
        return out


def pins(variables: Mapping[str, Var]) -> dict[str, dict[str, Any]]:
    """``package/vars.json`` of a kit: each value substituted, by sha256, and a secret's by a salted hash
    (one random salt per kit), never its value."""
    salt = secrets.token_hex(16)
    return {n: v.pin(salt) for n, v in sorted(variables.items())}


def resolve_files(variables: Mapping[str, Var], files: Mapping[str, bytes], add: Any) -> dict[str, Var]:
    """The values of non-secret file variables, from the package's bytes read once (and pinned)."""
    out = dict(variables)
    for name, v in variables.items():
        if not v.pinned:
            continue
        try:
            text = files[v.origin].decode("utf-8")
        except UnicodeDecodeError:
            add(f"vars.{name}.file", f"{v.origin} is not UTF-8 text")
            continue
        out[name] = replace(v, value=text.removesuffix("\n").removesuffix("\r"))
    return out


def _secret_file(path: Path) -> tuple[str, str]:
    """(value, "") or ("", why it is not available): a secret file is read once, here, and only here."""
    try:
        return path.read_text(encoding="utf-8").removesuffix("\n").removesuffix("\r"), ""
    except FileNotFoundError:
        return "", f"secret file {path} does not exist here"
    except (OSError, UnicodeDecodeError) as exc:
        return "", f"secret file {path} cannot be read: {getattr(exc, 'strerror', None) or exc}"


def parse_vars(raw: Any, root: Path, add: Any, inside: Any) -> dict[str, Var]:
    """The ``[vars]`` table; each problem goes to ``add(key, text)`` (the manifest's problem list). A non-secret
    file must lie inside the package (``inside(key, rel)`` checks it, as for bundle files); its value is filled
    in by :func:`resolve_files` from the bytes read once with the package."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        add("vars", "expected a table of name = value")
        return {}
    out: dict[str, Var] = {}
    for name, spec in raw.items():
        key = f"vars.{name}"
        if not _NAME.fullmatch(name):
            add(key, "not a variable name: expected letters, digits and '_', not starting with a digit")
            continue
        if isinstance(spec, str):
            out[name] = Var(name, spec)
            continue
        if not isinstance(spec, dict):
            add(key, f"expected a string or a table with value, env or file, got {type(spec).__name__}")
            continue
        unknown = sorted(set(spec) - {"value", "env", "file", "secret"})
        if unknown:
            add(f"{key}.{unknown[0]}", "unknown key; expected value, env, file and secret")
            continue
        secret = spec.get("secret", False)
        if not isinstance(secret, bool):
            add(f"{key}.secret", "expected true or false")
            continue
        given = [k for k in ("value", "env", "file") if k in spec]
        if len(given) != 1 or not isinstance(spec[given[0]], str):
            add(key, "expected exactly one of value, env or file, as a string")
            continue
        kind, text = given[0], spec[given[0]]
        if kind == "value":
            var = Var(name, text, VarSource.MANIFEST, "", secret)
        elif kind == "env":
            if text not in os.environ:
                if not secret:
                    add(f"{key}.env", f"environment variable {text} is not set")
                    continue
                var = Var(name, "", VarSource.ENV, text, secret, f"environment variable {text} is not set here")
            else:
                var = Var(name, os.environ[text], VarSource.ENV, text, secret)
        elif secret:
            value, why = _secret_file(Path(text) if Path(text).is_absolute() else root / text)
            var = Var(name, value, VarSource.FILE, text, secret, why)
        else:
            if inside(f"{key}.file", text) is None:
                continue
            var = Var(name, "", VarSource.FILE, Path(os.path.normpath(text)).as_posix(), secret)
        if var.secret and not var.unavailable:
            register_secret(var.value)
        out[name] = var
    return out


def _literal(value: str) -> str:
    """PQescapeLiteral: quotes doubled; with a backslash, an E'' string with backslashes doubled."""
    body = value.replace("'", "''")
    if "\\" in value:
        return "E'" + body.replace("\\", "\\\\") + "'"
    return f"'{body}'"


def _raw(value: str) -> str:
    return value


def _identifier(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@dataclass(frozen=True)
class Occurrence:
    """One psql variable in a text: ``text[start:end]`` is ``:name``, ``:'name'`` or ``:"name"``."""

    start: int
    end: int
    name: str
    quote: str  # "", "'" (a literal) or '"' (an identifier)
    bracketed: bool  # inside [...]: an array slice a[1:n] unless the variable has a value (psql leaves it)


def occurrences(text: str) -> list[Occurrence]:
    """Every psql variable in ``text``, found with PostgreSQL's scanner (never inside strings, comments, dollar
    quotes or ``::`` casts), including those of an imported ``\\gexec`` query's DO block."""
    if ":" not in text:
        return []
    try:
        tokens = scan(text)
    except ParseError:
        return []  # unterminated quotes and the like: the parser reports them with their position
    out: list[Occurrence] = []
    depth = 0
    for i, tok in enumerate(tokens):
        piece = text[tok.start : tok.end + 1]
        if piece.startswith(GEXEC_QUOTE) and piece.endswith(GEXEC_QUOTE) and len(piece) > 2 * len(GEXEC_QUOTE):
            inner = tok.start + len(GEXEC_QUOTE)  # an imported \gexec query: psql substituted it
            out += [
                replace(o, start=o.start + inner, end=o.end + inner)
                for o in occurrences(piece[len(GEXEC_QUOTE) : -len(GEXEC_QUOTE)])
            ]
            continue
        if piece == "[":
            depth += 1
        elif piece == "]":
            depth = max(0, depth - 1)
        if piece != ":" or i + 1 >= len(tokens) or tokens[i + 1].start != tok.end + 1:
            continue
        nxt = tokens[i + 1]
        word = text[nxt.start : nxt.end + 1]
        if word[:1] in ("'", '"') and word.endswith(word[0]) and len(word) >= 2:
            out.append(Occurrence(tok.start, nxt.end + 1, word[1:-1], word[0], depth > 0))
        elif _NAME.fullmatch(word):
            out.append(Occurrence(tok.start, nxt.end + 1, word, "", depth > 0))
    return out


_RENDER = {"": _raw, "'": _literal, '"': _identifier}


STAND_IN = "pgwarden_secret_not_available"


def substitute(text: str, variables: Mapping[str, Var], rel: str, *, placeholders: bool = False) -> str:
    """``text`` with every psql variable replaced; an undefined one is :class:`BadInput` naming it, and so is a
    secret whose value is not available here, unless ``placeholders`` puts a stand-in there (offline check)."""
    out: list[str] = []
    pos = 0
    for o in occurrences(text):
        var = variables.get(o.name)
        if var is None and o.bracketed:  # an array slice a[1:n]: psql leaves an undefined :n as it is, so do we
            continue
        if var is None:
            line, col = LineIndex(text).at(o.start)
            raise BadInput(
                f"{rel}:{line}:{col}: psql variable {text[o.start : o.end]} is not defined: define {o.name} "
                "in [vars] of pgwarden.toml (a value, env or file); pgwarden substitutes variables as "
                "psql does"
            )
        value = var.value
        if var.unavailable:
            if not placeholders:
                line, col = LineIndex(text).at(o.start)
                raise BadInput(
                    f"{rel}:{line}:{col}: psql variable {text[o.start : o.end]} is secret and has no value "
                    f"here: {var.unavailable}"
                )
            value = STAND_IN
        out.append(text[pos : o.start])
        out.append(_RENDER[o.quote](value))
        pos = o.end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)
