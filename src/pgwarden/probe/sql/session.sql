-- The probe's transaction: one snapshot, read-only, and fixed settings so that every deparsed
-- definition (pg_get_*def, format_type, regclass, constants in defaults) prints the same way
-- whatever the client's or server's defaults are. Must run first in a fresh transaction.
-- (Lists inside definitions are sorted with COLLATE "C" in each query, for the same reason.)
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;
SET LOCAL search_path = pg_catalog;
SET LOCAL quote_all_identifiers = off;
SET LOCAL "DateStyle" = 'ISO, YMD';
SET LOCAL "IntervalStyle" = 'postgres';
SET LOCAL "TimeZone" = 'UTC';
SET LOCAL extra_float_digits = 1;
SET LOCAL bytea_output = 'hex';
SET LOCAL xmloption = 'content';
