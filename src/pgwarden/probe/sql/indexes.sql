-- Indexes (also partitioned indexes): pg_get_indexdef plus what it does not print.
SELECT 'index' AS kind,
       format('%I.%I', n.nspname, ic.relname) AS name,
       jsonb_strip_nulls(jsonb_build_object(
         'definition', pg_get_indexdef(i.indexrelid),
         'tablespace', ts.spcname,
         'clustered', i.indisclustered,
         'valid', i.indisvalid,
         'replica_identity', i.indisreplident
       ))::text AS definition
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
LEFT JOIN pg_tablespace ts ON ts.oid = ic.reltablespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = i.indrelid AND d.deptype = 'e')
