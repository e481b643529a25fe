-- Every relation whose name the package mentions, with its columns (name, type, typmod, collation)
-- and the names of its constraints.
SELECT c.oid::bigint AS oid,
       n.nspname::text AS schema,
       c.relname::text AS name,
       c.relkind::text AS relkind,
       c.reltype::bigint AS reltype,
       pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE') AS owned,
       pg_catalog.pg_get_userbyid(c.relowner)::text AS owner,
       it.relname::text AS index_table,
       CASE WHEN c.relkind IN ('v', 'm') THEN md5(pg_catalog.pg_get_viewdef(c.oid)) END AS view_md5,
       cols.list AS columns,
       ARRAY(SELECT k.conname::text FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid) AS constraints,
       array_remove(ARRAY[CASE WHEN c.relispartition THEN 'partition' END,
                          CASE WHEN c.reloftype <> 0 THEN 'typed' END,
                          CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = c.oid)
                               THEN 'child' END,
                          CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhparent = c.oid)
                               THEN 'parent' END,
                          CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid
                                            AND a.attnum > 0 AND (a.attidentity <> '' OR a.attgenerated <> ''))
                               THEN 'identity_or_generated' END,
                          CASE WHEN n.nspname = 'pg_catalog' THEN 'system' END], NULL)::text[] AS traits,
       -- unique keys a foreign key may reference: (primary?, column names), as transformFkeyCheckAttrs sees them
       ARRAY(SELECT (CASE WHEN i2.indisprimary THEN 'P' ELSE 'U' END) || ':' ||
                    array_to_string(ARRAY(SELECT a.attname::text FROM unnest(i2.indkey::int2[]) WITH ORDINALITY k(n, o)
                                          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.n
                                          ORDER BY k.o), ',')
             FROM pg_catalog.pg_index i2
             WHERE i2.indrelid = c.oid AND i2.indisunique AND i2.indimmediate AND i2.indpred IS NULL
               AND i2.indexprs IS NULL) AS keys,
       -- columns that cannot hold NULL: a valid NOT NULL, or a valid CHECK (col IS NOT NULL), which lets
       -- SET NOT NULL skip its scan (tablecmds.c NotNullImpliedByRelConstraints)
       ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'n'
                               AND NOT k.convalidated AND a.attnum = ANY (k.conkey))
             UNION
             SELECT substring(pg_catalog.pg_get_constraintdef(k.oid) FROM '^CHECK \(\((.+) IS NOT NULL\)\)$')
             FROM pg_catalog.pg_constraint k
             WHERE k.conrelid = c.oid AND k.contype = 'c' AND k.convalidated) AS not_null,
       -- foreign keys of the table: dropping one (or its column, or the table) takes ACCESS EXCLUSIVE on the
       -- referenced table too, to drop its triggers (tablecmds.c RemoveConstraintById / RemoveTriggerById)
       ARRAY(SELECT json_build_object('name', k.conname, 'schema', pn.nspname, 'table', pc.relname,
                                      'columns', ARRAY(SELECT a.attname FROM unnest(k.conkey) u(n)
                                                       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
                                                        AND a.attnum = u.n))::text
             FROM pg_catalog.pg_constraint k
             JOIN pg_catalog.pg_class pc ON pc.oid = k.confrelid
             JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
             WHERE k.conrelid = c.oid AND k.contype = 'f') AS foreign_keys
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
LEFT JOIN pg_catalog.pg_class it ON it.oid = i.indrelid
CROSS JOIN LATERAL (
    SELECT coalesce(json_agg(json_build_object(
               'name', a.attname,
               'type', a.atttypid,
               'typmod', a.atttypmod,
               'collation', co.collname,
               'display', pg_catalog.format_type(a.atttypid, a.atttypmod))
             ORDER BY a.attnum), '[]'::json) AS list
    FROM pg_catalog.pg_attribute a
    LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
) cols
WHERE c.relname = ANY(%(names)s::name[]);
