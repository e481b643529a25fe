-- Estimated row counts of tables and materialized views: the planner's reltuples, or, for a table
-- never vacuumed or analyzed (reltuples = -1), the live-tuple count of the statistics system.
SELECT format('%I.%I', n.nspname, c.relname) AS name,
       CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint
            ELSE coalesce(pg_stat_get_live_tuples(c.oid), 0) END AS n
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
