-- The relations a query reads, by name, and the SQL that reading them runs: a view's query, and the
-- row-security policies of a table. Read-only. %(schemas)s/%(names)s: schema NULL means the search path.
WITH wanted AS (
    SELECT CASE WHEN s IS NULL THEN to_regclass(quote_ident(r)) ELSE to_regclass(quote_ident(s) || '.' || quote_ident(r)) END AS oid
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
