-- Schemas: one row each (kind, name, definition). System schemas and schemas that belong to an
-- extension are left out.
SELECT 'schema' AS kind,
       quote_ident(n.nspname) AS name,
       jsonb_strip_nulls(jsonb_build_object('owner', pg_get_userbyid(n.nspowner)))::text AS definition
FROM pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
