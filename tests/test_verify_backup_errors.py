"""pg_restore output parsing: error classification and ``pg_restore -l`` headers, on captured text.

The texts below are pg_restore's own output as captured from real runs (PostgreSQL 15 and 18 tools),
including the interleaving that parallel workers produce on a shared stderr.
"""

from __future__ import annotations

from pgwarden.backup.restore_errors import BENIGN, DEGRADED, FATAL, classify_all, parse_messages, reported_error_count
from pgwarden.backup.toc import parse_listing

TT = 'ERROR:  unrecognized configuration parameter "transaction_timeout"'
PARALLEL_STDERR = f"""\
pg_restore: error: could not execute query: {TT}
Command was: SET transaction_timeout = 0;
pg_restore: error: could not execute query: ERROR:  role "directus" does not exist
Command was: ALTER SCHEMA s OWNER TO directus;

pg_restore: error: could not execute query: ERROR:  syntax error at or near ")"
LINE 4: );
        ^
Command was: CREATE TABLE public.g (
    a integer,
    b integer GENERATED ALWAYS AS ((a * 2))
);


pg_restore:pg_restore: error: could not execute query: {TT}
Command was: SET transaction_timeout = 0;
 error: could not execute query: {TT}
Command was: SET transaction_timeout = 0;
pg_restore: error: could not execute query: ERROR:  relation "public.g" does not exist
Command was: COPY public.g (a) FROM stdin;
pg_restore: error: could not execute query: ERROR:  schema "public" already exists
Command was: CREATE SCHEMA public;
pg_restore: warning: errors ignored on restore: 7
"""


def test_parallel_interleaved_errors_are_each_classified() -> None:
    errors = classify_all(parse_messages(PARALLEL_STDERR))
    by_cls = {(e.cls, e.command.splitlines()[0] if e.command else None): e for e in errors}
    timeout = by_cls[(BENIGN, "SET transaction_timeout = 0;")]
    assert timeout.occurrences == 3 and "transaction_timeout" in timeout.reason
    assert (BENIGN, "CREATE SCHEMA public;") in by_cls
    assert "role directus is missing" in by_cls[(DEGRADED, "ALTER SCHEMA s OWNER TO directus;")].reason
    assert (DEGRADED, "CREATE TABLE public.g (") in by_cls
    assert by_cls[(FATAL, "COPY public.g (a) FROM stdin;")].reason.startswith("COPY failure")
    assert sum(e.occurrences for e in errors) == 7 == reported_error_count(PARALLEL_STDERR)


def test_archive_errors_are_fatal() -> None:
    for text, word in [
        ("pg_restore: error: could not uncompress data: incorrect data check\n", "corrupt"),
        ("pg_restore: error: could not read from input file: end of file\n", "truncated"),
        ("pg_restore: error: unsupported version (1.16) in file header\n", "newer"),
        ("pg_restore: error: could not find block ID 2566 in archive -- possibly corrupt archive\n", "damaged"),
    ]:
        (e,) = classify_all(parse_messages(text))
        assert e.cls == FATAL and word in e.reason, (text, e)


def test_unknown_error_is_degraded_and_warnings_are_not_errors() -> None:
    text = (
        "pg_restore: warning: something odd\npg_restore: error: could not execute query: ERROR:  "
        "something new\nCommand was: ALTER THING x;\n"
    )
    (e,) = classify_all(parse_messages(text))
    assert e.cls == DEGRADED and "no rule recognizes" in e.reason


LISTING_15 = """\
;
; Archive created at 2026-11-23 00:25:06 UTC
;     dbname: postgres
;     TOC Entries: 10
;     Compression: -1
;     Dump Version: 1.14-0
;     Format: CUSTOM
;     Integer: 4 bytes
;     Offset: 8 bytes
;     Dumped from database version: 15.18 (Debian 15.18-0+deb12u1)
;     Dumped by pg_dump version: 15.18 (Debian 15.18-0+deb12u1)
;
;
; Selected TOC Entries:
;
6; 2615 16392 SCHEMA - s directus
215; 1259 16385 TABLE public t directus
3349; 0 0 ACL public TABLE t directus
3341; 0 16385 TABLE DATA public t directus
3198; 2606 16391 CONSTRAINT public t t_pkey directus
"""


def test_listing_header_and_entries() -> None:
    listing = parse_listing(LISTING_15)
    assert listing.header["Compression"] == "-1" and listing.header["Dump Version"] == "1.14-0"
    assert listing.header["Archive created at"] == "2026-11-23 00:25:06 UTC"
    assert listing.toc_entries == 10 and len(listing.entries) == 5
    data = listing.entries[3]
    assert (data.desc, data.schema, data.owner) == ("TABLE DATA", "public", "directus")
