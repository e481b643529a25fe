-- What a single-database dump leaves out, or restores differently, read from the database itself (one
-- row). A plain pg_dump (no --create) carries none of the database-level facts: its owner, ACL, settings,
-- encoding and locale; roles and their passwords are cluster-wide; pgwarden restores with --no-tablespaces.
-- Large objects are in the dump; their count is compared after the restore.
SELECT d.datname::text                                          AS database,
       pg_get_userbyid(d.datdba)::text                          AS owner,
       pg_encoding_to_char(d.encoding)::text                    AS encoding,
       d.datcollate::text                                       AS collate,
       d.datctype::text                                         AS ctype,
       coalesce((SELECT array_agg(x::text ORDER BY x::text COLLATE "C")
                 FROM unnest(d.datacl) x), '{}')                AS acl,
       coalesce((SELECT array_agg(x.item ORDER BY x.item COLLATE "C")
                 FROM (SELECT CASE WHEN s.setrole = 0 THEN '' ELSE pg_get_userbyid(s.setrole)::text END
                              || E'\t' || c AS item
                       FROM pg_db_role_setting s, unnest(s.setconfig) c
                       WHERE s.setdatabase = d.oid) x), '{}')   AS settings,
       coalesce((SELECT array_agg(t.spcname::text ORDER BY t.spcname::text COLLATE "C")
                 FROM pg_tablespace t
                 WHERE t.spcname <> 'pg_global'
                   AND EXISTS (SELECT 1 FROM pg_class c WHERE c.reltablespace = t.oid)), '{}') AS tablespaces,
       (SELECT t.spcname::text FROM pg_tablespace t WHERE t.oid = d.dattablespace) AS default_tablespace,
       (SELECT count(*) FROM pg_largeobject_metadata)           AS large_objects,
       -- tables a role made members of an extension (ALTER EXTENSION … ADD TABLE) that are not among its
       -- configuration tables: pg_dump leaves them and their rows out, and CREATE EXTENSION does not bring them back
       coalesce((SELECT array_agg(format('%I.%I', n.nspname, c.relname) || E'\t' || e.extname
                                  ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C")
                 FROM pg_depend x
                 JOIN pg_class c ON c.oid = x.objid
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 JOIN pg_extension e ON e.oid = x.refobjid
                 WHERE x.classid = 'pg_class'::regclass AND x.refclassid = 'pg_extension'::regclass
                   AND x.deptype = 'e' AND c.relkind IN ('r', 'p')
                   AND NOT (c.oid = ANY (coalesce(e.extconfig, '{}'::oid[])))
                   AND pg_relation_size(c.oid) > 0), '{}')       AS extension_tables,
       shobj_description(d.oid, 'pg_database')                  AS comment,
       pg_database_size(d.oid)                                  AS size_bytes
FROM pg_database d
WHERE d.datname = current_database()
