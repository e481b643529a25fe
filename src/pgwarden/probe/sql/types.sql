-- User types: enum (ordered labels), domain (base type, NOT NULL, default, collation if not the base type's; its CHECKs are
-- constraint entries), composite (ordered attributes), range (subtype and support functions) and
-- base types. Array types, table row types and the multirange that each range implies are left out.
SELECT 'type' AS kind,
       format('%I.%I', n.nspname, t.typname) AS name,
       jsonb_strip_nulls(jsonb_build_object(
         'typtype', t.typtype::text,
         'owner', pg_get_userbyid(t.typowner),
         'labels', CASE WHEN t.typtype = 'e' THEN
                     (SELECT jsonb_agg(e.enumlabel ORDER BY e.enumsortorder)
                      FROM pg_enum e WHERE e.enumtypid = t.oid) END,
         'base', CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
         'not_null', CASE WHEN t.typtype = 'd' THEN t.typnotnull END,
         'default', t.typdefault,
         'collation', CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 THEN
                        (SELECT CASE WHEN t.typcollation <> bt.typcollation THEN t.typcollation::regcollation::text END
                         FROM pg_type bt WHERE bt.oid = t.typbasetype) END,
         'attributes', CASE WHEN t.typtype = 'c' THEN
                         (SELECT jsonb_agg(jsonb_build_array(a.attname, format_type(a.atttypid, a.atttypmod),
                                                             (SELECT CASE WHEN a.attcollation <> at.typcollation
                                                                         THEN a.attcollation::regcollation::text END
                                                              FROM pg_type at WHERE at.oid = a.atttypid))
                                           ORDER BY a.attnum)
                          FROM pg_attribute a
                          WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END,
         'range', CASE WHEN t.typtype = 'r' THEN
                    (SELECT jsonb_build_object(
                              'subtype', format_type(r.rngsubtype, NULL),
                              'opclass', format('%I.%I', ocn.nspname, oc.opcname),
                              'collation', CASE WHEN r.rngcollation <> 0
                                                THEN r.rngcollation::regcollation::text END,
                              'canonical', r.rngcanonical::text,
                              'subdiff', r.rngsubdiff::text,
                              'multirange', format_type(r.rngmultitypid, NULL))
                     FROM pg_range r
                     JOIN pg_opclass oc ON oc.oid = r.rngsubopc
                     JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace
                     WHERE r.rngtypid = t.oid) END,
         'base_type', CASE WHEN t.typtype = 'b' THEN
                        jsonb_build_object(
                          'input', t.typinput::text, 'output', t.typoutput::text,
                          'receive', t.typreceive::text, 'send', t.typsend::text,
                          'typmod_in', t.typmodin::text, 'typmod_out', t.typmodout::text,
                          'analyze', t.typanalyze::text, 'length', t.typlen, 'byval', t.typbyval,
                          'align', t.typalign::text, 'storage', t.typstorage::text,
                          'category', t.typcategory::text, 'preferred', t.typispreferred,
                          'delimiter', t.typdelim::text,
                          'element', CASE WHEN t.typelem <> 0 THEN format_type(t.typelem, NULL) END) END
       ))::text AS definition
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_class tc ON tc.oid = t.typrelid AND t.typrelid <> 0
WHERE t.typtype IN ('e', 'd', 'c', 'r', 'b')
  AND (t.typtype <> 'c' OR tc.relkind = 'c')
  AND NOT (t.typtype = 'b' AND t.typelem <> 0
           AND EXISTS (SELECT 1 FROM pg_type el WHERE el.oid = t.typelem AND el.typarray = t.oid))
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
