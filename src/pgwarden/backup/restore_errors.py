"""Classifying pg_restore's error messages one by one: benign, degraded or fatal.

pg_restore's exit code and its "errors ignored on restore: N" line say only that *something* failed;
the verdict comes from what failed. Parallel workers share one stderr, so their prefixes can
interleave ("pg_restore:pg_restore: error: …"); each message body, though, is written in one piece,
so the parser splits on the prefixes and keeps bodies whole. Rules are checked in order and the
first one that matches wins; an error no rule knows is *degraded* (an object may be missing).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

BENIGN, DEGRADED, FATAL = "benign", "degraded", "fatal"


@dataclass(frozen=True)
class RestoreMessage:
    level: str  # "error" | "warning" | "info"
    text: str  # the message body's first line, e.g. 'could not execute query: ERROR:  …'
    command: str | None  # the SQL after "Command was:", if any
    context: str | None  # "from TOC entry …" when pg_restore printed it


@dataclass(frozen=True)
class ClassifiedError:
    cls: str  # benign | degraded | fatal
    reason: str  # why, in one sentence
    message: str  # the error as pg_restore printed it (first line)
    command: str | None
    occurrences: int = 1  # identical errors (e.g. one per parallel worker) are folded together


_PREFIX = re.compile(r"pg_restore:\s?")
_LEVEL = re.compile(r"\n\s*(error|warning|detail|hint|fatal|info): ")
_IGNORED = re.compile(r"errors ignored on restore: (\d+)")


def parse_messages(stderr: str) -> list[RestoreMessage]:
    """Split pg_restore's stderr into messages, tolerating interleaved parallel-worker output."""
    text = _PREFIX.sub("\n", stderr)
    parts = _LEVEL.split("\n" + text)
    out: list[RestoreMessage] = []
    context: str | None = None
    _scan_context(parts[0], out)
    for i in range(1, len(parts) - 1, 2):
        level, body = parts[i], parts[i + 1]
        head, sep, tail = body.partition("\nCommand was: ")
        lines = head.strip("\n").split("\n")
        first = lines[0].strip()
        rest_of_head = "\n".join(lines[1:])
        command = None
        if sep:
            command, _, after = tail.partition("\n\n")
            command = command.strip()
            rest_of_head += "\n" + after
        out.append(RestoreMessage(level, first, command, context))
        context = _scan_context(rest_of_head, out)
    return out


def _scan_context(chunk: str, out: list[RestoreMessage]) -> str | None:
    ctx = None
    for line in chunk.splitlines():
        line = line.strip()
        if line.startswith("from TOC entry "):
            ctx = line
    return ctx


def reported_error_count(stderr: str) -> int | None:
    """The count pg_restore itself reports ("errors ignored on restore: N"), for comparison only."""
    m = _IGNORED.search(stderr)
    return int(m.group(1)) if m else None


_SERVER = re.compile(r"ERROR:\s+(.*)")

# (class, pattern on the message body, reason). Checked in order.
_ARCHIVE_RULES: tuple[tuple[str, str, str], ...] = (
    (
        FATAL,
        r"unsupported version \(.*\) in file header",
        "the archive format is newer than this pg_restore: nothing can be restored with it",
    ),
    (
        FATAL,
        r"could not uncompress data|could not decompress|decompression|invalid (compressed|distance)",
        "decompression failed: the archive's compressed data is corrupt",
    ),
    (
        FATAL,
        r"end of file|unexpected EOF|could not read from input file|too short",
        "the archive ends early: it is truncated",
    ),
    (
        FATAL,
        r"could not find block ID|possibly corrupt|did not find magic string|not a valid archive|"
        r"unexpected data offset flag|invalid (OID|dumpId|table|entry)|corrupt",
        "the archive's structure is damaged",
    ),
    (
        FATAL,
        r"COPY failed for table|PQputCopyData|error returned by PQputCopyEnd",
        "COPY failure: table data did not load",
    ),
    (
        FATAL,
        r"worker process died|could not connect|connection to server .* failed|out of memory",
        "the restore itself broke off; the result is incomplete",
    ),
)

_SERVER_RULES: tuple[tuple[str, str, str], ...] = (
    (
        BENIGN,
        r'unrecognized configuration parameter "([^"]+)"',
        "pg_restore sets parameter {0} that this older server does not have; it affects only the restore session",
    ),
    (BENIGN, r'schema "public" already exists', "the public schema exists in every new database"),
    (
        BENIGN,
        r'(extension|language) "plpgsql" already exists|must be owner of (extension plpgsql|schema public)',
        "plpgsql and the public schema come with every new database",
    ),
    (FATAL, r'relation "([^"]+)" does not exist', "missing relation {0}: its definition or data did not restore"),
    (
        FATAL,
        r"could not create unique index|duplicate key value",
        "a unique index cannot be built: the restored data violates it",
    ),
    (
        DEGRADED,
        r'insert or update on table "([^"]+)" violates foreign key constraint "([^"]+)"',
        "foreign key constraint {1} on table {0} was not restored: rows restored into {0} violate it (they "
        "were inserted in production with the constraint bypassed, e.g. triggers disabled)",
    ),
    (
        DEGRADED,
        r'check constraint "([^"]+)" of relation "([^"]+)" is violated by some row',
        "check constraint {0} on table {1} was not restored: restored rows violate it",
    ),
    (
        DEGRADED,
        r'column "([^"]+)" of relation "([^"]+)" contains null values',
        "NOT NULL on column {0} of table {1} was not restored: restored rows hold NULLs there",
    ),
    (
        DEGRADED,
        r'role "([^"]+)" does not exist',
        "role {0} is missing, so an owner, grant or policy that names it was not restored",
    ),
    (
        DEGRADED,
        r'extension "([^"]+)" is not available|could not open extension control file',
        "an extension is not installed on the restore server; the objects that need it are missing",
    ),
    (DEGRADED, r"permission denied", "permission denied: the object or privilege was not restored"),
    (
        DEGRADED,
        r'(type|function|schema|operator|collation) "?([^" ]+)"? does not exist',
        "depends on {0} {1}, which did not restore; this object is missing too",
    ),
    (
        DEGRADED,
        r"syntax error|is not supported|not supported",
        "this server does not accept the statement; the object is missing",
    ),
)


def classify(msg: RestoreMessage) -> ClassifiedError:
    """One error -> its class and reason."""
    text = msg.text
    command = (msg.command or "").lstrip()
    server = _SERVER.search(text)
    if server is None:
        for cls, pattern, reason in _ARCHIVE_RULES:
            if re.search(pattern, text, re.IGNORECASE):
                return ClassifiedError(cls, reason, text, msg.command)
    if command.upper().startswith("COPY "):
        return ClassifiedError(FATAL, "COPY failure: table data did not load", text, msg.command)
    body = server.group(1) if server else text
    for cls, pattern, reason in _SERVER_RULES:
        m = re.search(pattern, body, re.IGNORECASE)
        if m:
            if cls == BENIGN and pattern.startswith("unrecognized") and not command.upper().startswith("SET "):
                continue
            return ClassifiedError(cls, reason.format(*m.groups()), text, msg.command)
    return ClassifiedError(
        DEGRADED, "an error no rule recognizes: the object it belongs to may be missing", text, msg.command
    )


def classify_all(messages: Iterable[RestoreMessage]) -> tuple[ClassifiedError, ...]:
    """Classify every error message; identical ones (same text and command) are counted once."""
    folded: dict[tuple[str, str | None], ClassifiedError] = {}
    for m in messages:
        if m.level not in ("error", "fatal"):
            continue
        c = classify(m)
        key = (c.message, c.command)
        if key in folded:
            prev = folded[key]
            folded[key] = ClassifiedError(prev.cls, prev.reason, prev.message, prev.command, prev.occurrences + 1)
        else:
            folded[key] = c
    return tuple(folded.values())


def worst(errors: Iterable[ClassifiedError]) -> str | None:
    """fatal > degraded > benign; None when there were no errors."""
    classes = {e.cls for e in errors}
    for cls in (FATAL, DEGRADED, BENIGN):
        if cls in classes:
            return cls
    return None
