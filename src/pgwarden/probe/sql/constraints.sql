-- Constraints of tables and of domains, named <schema>.<table or domain>.<constraint>.
-- pg_get_constraintdef carries the type, columns, DEFERRABLE, NOT VALID, NO INHERIT, ON DELETE...
SELECT 'constraint' AS kind,
       format('%I.%I.%I', n.nspname, coalesce(c.relname, t.typname), co.conname) AS name,
       jsonb_strip_nulls(jsonb_build_object(
         'type', co.contype::text,
         'definition', pg_get_constraintdef(co.oid)
       ))::text AS definition
FROM pg_constraint co
JOIN pg_namespace n ON n.oid = co.connamespace
LEFT JOIN pg_class c ON c.oid = co.conrelid AND co.conrelid <> 0
LEFT JOIN pg_type t ON t.oid = co.contypid AND co.contypid <> 0
WHERE (c.oid IS NOT NULL OR t.oid IS NOT NULL)
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.deptype = 'e'
                    AND ((d.classid = 'pg_class'::regclass AND d.objid = co.conrelid)
                         OR (d.classid = 'pg_type'::regclass AND d.objid = co.contypid)))
