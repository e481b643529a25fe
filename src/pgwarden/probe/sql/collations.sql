-- User-defined collations. The catalog row minus identifiers and the library version (which changes
-- with an OS upgrade, not with DDL); to_jsonb takes whatever columns this major has (the ICU locale
-- column was renamed in 17).
SELECT 'collation' AS kind,
       format('%I.%I', n.nspname, c.collname) AS name,
       jsonb_strip_nulls(
         (to_jsonb(c) - ARRAY['oid', 'collname', 'collnamespace', 'collowner', 'collversion'])
         || jsonb_build_object('owner', pg_get_userbyid(c.collowner))
       )::text AS definition
FROM pg_collation c
JOIN pg_namespace n ON n.oid = c.collnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_collation'::regclass AND d.objid = c.oid AND d.deptype = 'e')
