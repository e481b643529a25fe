-- The relations a query reads, by name, and the SQL that reading them runs: a view's query, and the
-- row-security policies of a table. Read-only. %(schemas)s/%(names)s: schema NULL means the first schema of
-- %(path)s (the query's search_path, expanded, in order) that has a relation of that name, as the server looks.
WITH wanted AS (
    SELECT CASE WHEN x.s IS NOT NULL
                THEN (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = x.s AND c.relname = x.r)
                ELSE (SELECT c.oid
                      FROM unnest(%(path)s::text[]) WITH ORDINALITY AS p(schema, i)
                      JOIN pg_namespace n ON n.nspname = p.schema
                      JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = x.r
                      ORDER BY p.i LIMIT 1) END AS oid
    FROM unnest(%(schemas)s::text[], %(names)s::text[]) AS x(s, r)
)
SELECT DISTINCT c.oid::int AS oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
       CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END AS view_sql,
       ARRAY(SELECT e FROM pg_policy p
             CROSS JOIN LATERAL unnest(ARRAY[pg_get_expr(p.polqual, p.polrelid),
                                             pg_get_expr(p.polwithcheck, p.polrelid)]) AS e
             WHERE p.polrelid = c.oid AND c.relrowsecurity AND e IS NOT NULL) AS policy_sql
FROM wanted w
JOIN pg_class c ON c.oid = w.oid
JOIN pg_namespace n ON n.oid = c.relnamespace
ORDER BY 2
