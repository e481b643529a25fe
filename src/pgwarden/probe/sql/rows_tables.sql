-- Tables and populated materialized views to count exactly: the ones this role may read. Foreign tables are
-- left out (a count would query the remote server). "trusted": the relation and every inheritance or partition
-- descendant (what count(*) reads) is owned by a superuser or by the login role. Naming a relation in a query
-- makes the planner run the constant parts of its indexes', statistics objects' and constraints' expressions with
-- pgwarden's privileges, so only a trusted relation is counted with count(*); another is read with COPY, which
-- plans nothing (probe.py).
WITH RECURSIVE tree(root, oid) AS (
    SELECT c.oid, c.oid FROM pg_class c WHERE c.relkind IN ('r', 'm')
    UNION
    SELECT t.root, i.inhrelid FROM tree t JOIN pg_inherits i ON i.inhparent = t.oid
), untrusted AS (
    SELECT DISTINCT t.root
    FROM tree t
    JOIN pg_class c ON c.oid = t.oid
    JOIN pg_roles o ON o.oid = c.relowner
    WHERE NOT o.rolsuper AND o.rolname <> session_user
)
SELECT format('%I.%I', n.nspname, c.relname) AS name, n.nspname, c.relname, c.oid::bigint, c.relkind::text,
       NOT EXISTS (SELECT 1 FROM untrusted u WHERE u.root = c.oid) AS trusted
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm')
  AND (c.relkind <> 'm' OR c.relispopulated)
  AND has_table_privilege(c.oid, 'SELECT')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname !~ '^pg_(toast_)?temp_[0-9]+$'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1
