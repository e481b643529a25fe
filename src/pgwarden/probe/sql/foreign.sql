-- Foreign-data wrappers and foreign servers not created by an extension: owner, handler/validator
-- or wrapper, type, version and sorted options. (User mappings are left out: their options hold
-- passwords.)
SELECT 'foreign_data_wrapper' AS kind,
       quote_ident(w.fdwname) AS name,
       jsonb_strip_nulls(jsonb_build_object(
         'owner', pg_get_userbyid(w.fdwowner),
         'handler', CASE WHEN w.fdwhandler <> 0 THEN w.fdwhandler::regproc::text END,
         'validator', CASE WHEN w.fdwvalidator <> 0 THEN w.fdwvalidator::regproc::text END,
         'options', (SELECT jsonb_agg(o ORDER BY o COLLATE "C") FROM unnest(w.fdwoptions) o)
       ))::text AS definition
FROM pg_foreign_data_wrapper w
WHERE NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_foreign_data_wrapper'::regclass AND d.objid = w.oid AND d.deptype = 'e')
UNION ALL
SELECT 'foreign_server' AS kind,
       quote_ident(s.srvname) AS name,
       jsonb_strip_nulls(jsonb_build_object(
         'owner', pg_get_userbyid(s.srvowner),
         'wrapper', w.fdwname,
         'type', s.srvtype,
         'version', s.srvversion,
         'options', (SELECT jsonb_agg(o ORDER BY o COLLATE "C") FROM unnest(s.srvoptions) o)
       ))::text AS definition
FROM pg_foreign_server s
JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
WHERE NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_foreign_server'::regclass AND d.objid = s.oid AND d.deptype = 'e')
