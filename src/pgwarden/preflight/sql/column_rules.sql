-- ALTER COLUMN TYPE: the views and rules that use the column (the server refuses to change its type); the
-- caller describes each under the statement's search_path.
SELECT d.classid::bigint AS d_classid, d.objid::bigint AS d_objid, d.objsubid AS d_objsubid,
       rn.nspname::text AS rel_schema, r.relname::text AS rel_name
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
JOIN pg_catalog.pg_rewrite w ON w.oid = d.objid
JOIN pg_catalog.pg_class r ON r.oid = w.ev_class
JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
  AND d.refobjid = %(objid)s::oid AND a.attname = %(attname)s::text AND d.deptype = 'n'
  AND w.ev_class <> d.refobjid
