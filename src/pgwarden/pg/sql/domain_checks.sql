-- The CHECK expressions of the domains a query names and of the domains they are over: a cast to a domain (or
-- a value converted to it) runs every one of them, so their functions are called too.
WITH RECURSIVE d(oid) AS (
    SELECT t.oid FROM pg_catalog.pg_type t WHERE t.typtype = 'd' AND t.typname = ANY (%(types)s::text[])
    UNION
    SELECT t.typbasetype FROM d JOIN pg_catalog.pg_type t ON t.oid = d.oid WHERE t.typtype = 'd'
)
SELECT k.contypid::bigint AS oid, pg_catalog.format_type(k.contypid, NULL) AS domain,
       pg_catalog.pg_get_expr(k.conbin, 0) AS expr
FROM d
JOIN pg_catalog.pg_constraint k ON k.contypid = d.oid AND k.contype = 'c';
