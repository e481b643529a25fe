-- Every user object by expectation kind: (kind, a, b, c) name parts. Read-only.
-- tables = ordinary, partitioned and foreign tables; views = views and materialized views;
-- functions (with procedures and aggregates) carry their regprocedure text (c) so that argument types can
-- be parsed with pglast; constraints and policies are named schema.table.name.
WITH ns AS (
    SELECT oid, nspname
    FROM pg_catalog.pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND nspname !~ '^pg_(toast_)?temp_'
)
SELECT 'schemas' AS kind, ns.nspname::text AS a, NULL::text AS b, NULL::text AS c
FROM ns
UNION ALL
SELECT CASE WHEN c.relkind IN ('r', 'p', 'f') THEN 'tables'
            WHEN c.relkind IN ('v', 'm') THEN 'views'
            WHEN c.relkind = 'S' THEN 'sequences'
            ELSE 'indexes' END,
       ns.nspname::text, c.relname::text, NULL
FROM pg_catalog.pg_class c
JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S', 'i', 'I')
UNION ALL
SELECT 'columns', ns.nspname::text, c.relname::text, a.attname::text
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'functions', ns.nspname::text, p.proname::text, p.oid::pg_catalog.regprocedure::text
FROM pg_catalog.pg_proc p
JOIN ns ON ns.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p', 'a', 'w')
UNION ALL
SELECT 'triggers', ns.nspname::text, c.relname::text, t.tgname::text
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN ns ON ns.oid = c.relnamespace
WHERE NOT t.tgisinternal
UNION ALL
SELECT 'types', ns.nspname::text, t.typname::text, NULL
FROM pg_catalog.pg_type t
JOIN ns ON ns.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_class r ON r.oid = t.typrelid
WHERE t.typtype IN ('b', 'c', 'd', 'e', 'r')
  AND (t.typrelid = 0 OR r.relkind = 'c')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)
UNION ALL
SELECT 'extensions', x.extname::text, NULL, NULL
FROM pg_catalog.pg_extension x
UNION ALL
SELECT 'constraints', ns.nspname::text, c.relname::text, k.conname::text
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN ns ON ns.oid = c.relnamespace
UNION ALL
SELECT 'policies', ns.nspname::text, c.relname::text, pol.polname::text
FROM pg_catalog.pg_policy pol
JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid
JOIN ns ON ns.oid = c.relnamespace
