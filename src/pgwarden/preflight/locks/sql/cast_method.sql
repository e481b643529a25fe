-- How the server converts one type to another (pg_cast.castmethod: b = binary coercible, f = a function,
-- i = I/O); a binary-coercible ALTER COLUMN TYPE rewrites nothing (tablecmds.c ATColumnChangeRequiresRewrite).
SELECT c.castmethod::text AS method
FROM pg_catalog.pg_cast c
WHERE c.castsource = %(source)s::oid AND c.casttarget = %(target)s::oid;
