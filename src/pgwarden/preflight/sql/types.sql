-- Types by name (and their array types), plus any types asked for by OID: name resolution itself
-- happens against this snapshot, walking the search path the way the server does.
WITH wanted AS (
    SELECT t.oid FROM pg_catalog.pg_type t WHERE t.typname = ANY(%(names)s::name[])
       OR (%(catalog)s AND t.typnamespace = 'pg_catalog'::regnamespace)
    UNION
    SELECT unnest(%(oids)s::oid[])
), withArrays AS (
    SELECT oid FROM wanted
    UNION
    SELECT t.typarray FROM pg_catalog.pg_type t JOIN wanted w ON w.oid = t.oid WHERE t.typarray <> 0
    UNION
    SELECT t.typelem FROM pg_catalog.pg_type t JOIN wanted w ON w.oid = t.oid
    WHERE t.typcategory = 'A' AND t.typelem <> 0
)
SELECT t.oid::bigint AS oid,
       n.nspname::text AS schema,
       t.typname::text AS name,
       pg_catalog.format_type(t.oid, NULL) AS display,
       t.typcollation <> 0 AS collatable,
       nullif(t.typarray, 0)::bigint AS array_oid,
       c.relkind::text AS relkind,
       CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem::bigint END AS elem_oid,
       NOT t.typisdefined AS shell,
       t.typtype = 'p' AS pseudo
FROM withArrays w
JOIN pg_catalog.pg_type t ON t.oid = w.oid
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid;
