-- Sequences: parameters and owner, and the column that owns it (serial / identity). The current
-- value is data, not definition, and is left out.
SELECT 'sequence' AS kind,
       format('%I.%I', n.nspname, c.relname) AS name,
       jsonb_strip_nulls(jsonb_build_object(
         'owner', pg_get_userbyid(c.relowner),
         'persistence', c.relpersistence::text,
         'type', format_type(s.seqtypid, NULL),
         'start', s.seqstart,
         'increment', s.seqincrement,
         'min', s.seqmin,
         'max', s.seqmax,
         'cache', s.seqcache,
         'cycle', s.seqcycle,
         'owned_by', (SELECT format('%s.%I', d.refobjid::regclass, a.attname)
                      FROM pg_depend d
                      JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                        AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                        AND d.refobjsubid > 0
                      LIMIT 1)
       ))::text AS definition
FROM pg_class c
JOIN pg_sequence s ON s.seqrelid = c.oid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
