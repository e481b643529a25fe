-- Live size and row estimate of each relation a statement locks, with its partitions and inheritance
-- children (ALTER TABLE recurses into them). bytes: table, indexes and TOAST (what a rewrite writes again);
-- heap_bytes > 0: the table has pages, so it may hold rows; rows: reltuples (-1: never vacuumed or analyzed).
WITH RECURSIVE tree(root, relid) AS (
    SELECT o, o FROM unnest(%(oids)s::oid[]) AS o
    UNION ALL
    SELECT t.root, h.inhrelid FROM tree t JOIN pg_catalog.pg_inherits h ON h.inhparent = t.relid
)
SELECT t.root::bigint AS oid,
       sum(pg_catalog.pg_total_relation_size(t.relid))::bigint AS bytes,
       sum(pg_catalog.pg_relation_size(t.relid))::bigint AS heap_bytes,
       sum(greatest(c.reltuples, 0))::float8 AS rows,
       bool_and(c.reltuples < 0) AS never_analyzed,
       (count(*) - 1)::int AS descendants
FROM tree t
JOIN pg_catalog.pg_class c ON c.oid = t.relid
GROUP BY t.root;
