-- Columns of tables (ordinary, partitioned, foreign). "position" is the logical position among live
-- columns, so a dropped column leaves no trace (as after dump and restore). A collation is shown
-- only where it differs from the column type's own (as COLLATE in a dump).
SELECT 'column' AS kind,
       format('%I.%I.%I', n.nspname, c.relname, a.attname) AS name,
       jsonb_strip_nulls(jsonb_build_object(
         'position', row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum),
         'type', format_type(a.atttypid, a.atttypmod),
         'not_null', a.attnotnull,
         'default', pg_get_expr(ad.adbin, ad.adrelid),
         'identity', nullif(a.attidentity, '')::text,
         'generated', nullif(a.attgenerated, '')::text,
         'collation', CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text END,
         'compression', nullif(a.attcompression, '')::text
       ))::text AS definition
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
