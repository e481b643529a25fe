-- Logical replication publications: flags (whatever columns this major has), owner, the published
-- tables with their row filters and column lists, and (15+) the published schemas.
SELECT 'publication' AS kind,
       quote_ident(p.pubname) AS name,
       jsonb_strip_nulls(
         (to_jsonb(p) - ARRAY['oid', 'pubname', 'pubowner'])
         || jsonb_build_object(
              'owner', pg_get_userbyid(p.pubowner),
              'tables', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                            'table', pr.prrelid::regclass::text,
                                            'where', pg_get_expr(pr.prqual, pr.prrelid),
                                            'columns', (SELECT jsonb_agg(a.attname ORDER BY a.attnum)
                                                        FROM pg_attribute a
                                                        WHERE a.attrelid = pr.prrelid
                                                          AND a.attnum = ANY (pr.prattrs))))
                                          ORDER BY pr.prrelid::regclass::text COLLATE "C")
                         FROM pg_publication_rel pr WHERE pr.prpubid = p.oid),
              'schemas', (SELECT jsonb_agg(pn.pnnspid::regnamespace::text ORDER BY pn.pnnspid::regnamespace::text COLLATE "C")
                          FROM pg_publication_namespace pn WHERE pn.pnpubid = p.oid))
       )::text AS definition
FROM pg_publication p
