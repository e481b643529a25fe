-- Where a tool's history table is: along the search_path first, then anywhere in the database.
SELECT n.nspname::text AS schema, c.relname::text AS name
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = %(name)s AND c.relkind IN ('r', 'p', 'v')
ORDER BY array_position(pg_catalog.current_schemas(false), n.nspname) NULLS LAST, n.nspname
LIMIT 1;
