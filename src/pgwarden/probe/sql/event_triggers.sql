-- Event triggers (database-wide, no schema).
SELECT 'event_trigger' AS kind,
       quote_ident(e.evtname) AS name,
       jsonb_strip_nulls(jsonb_build_object(
         'owner', pg_get_userbyid(e.evtowner),
         'event', e.evtevent,
         'function', e.evtfoid::regprocedure::text,
         'enabled', e.evtenabled::text,
         'tags', (SELECT jsonb_agg(tag ORDER BY tag COLLATE "C") FROM unnest(e.evttags) tag)
       ))::text AS definition
FROM pg_event_trigger e
WHERE NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_event_trigger'::regclass AND d.objid = e.oid AND d.deptype = 'e')
