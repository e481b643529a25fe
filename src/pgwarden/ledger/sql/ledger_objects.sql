-- Everything in schema pgwarden and everything that acts on it, with its owner, before pgwarden reads a row
-- of it: the ledger is trusted only when pgwarden's own role (or a superuser) made all of it. A table's row
-- type and its array type come with the table and are left out; a table's indexes and identity sequence are
-- listed with the table they belong to (%(schema)s is 'pgwarden').
WITH s AS (
    SELECT n.oid, n.nspowner FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) %(schema)s::pg_catalog.text
), rels AS (
    SELECT c.oid, c.relname, c.relkind, c.relowner, c.relrowsecurity FROM pg_catalog.pg_class c JOIN s ON c.relnamespace OPERATOR(pg_catalog.=) s.oid
), objects(kind, name, owner, parent) AS (
    SELECT 'schema', %(schema)s::pg_catalog.text, s.nspowner, NULL::pg_catalog.text FROM s
    UNION ALL
    SELECT CASE r.relkind WHEN 'r' THEN 'table' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view'
                          WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table'
                          WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index'
                          WHEN 'c' THEN 'composite type' ELSE 'relation ' OPERATOR(pg_catalog.||) r.relkind::pg_catalog.text END,
           r.relname::pg_catalog.text, r.relowner,
           COALESCE((SELECT t.relname::pg_catalog.text FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class t ON t.oid OPERATOR(pg_catalog.=) i.indrelid
                     WHERE i.indexrelid OPERATOR(pg_catalog.=) r.oid),
                    (SELECT t.relname::pg_catalog.text FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class t ON t.oid OPERATOR(pg_catalog.=) d.refobjid
                     WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) r.oid
                       AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype OPERATOR(pg_catalog.=) 'i'
                       AND r.relkind OPERATOR(pg_catalog.=) 'S' LIMIT 1))
    FROM rels r
    UNION ALL
    SELECT CASE p.prokind WHEN 'a' THEN 'aggregate' WHEN 'p' THEN 'procedure' WHEN 'w' THEN 'window function'
                          ELSE 'function' END,
           p.proname::pg_catalog.text, p.proowner, NULL
    FROM pg_catalog.pg_proc p JOIN s ON p.pronamespace OPERATOR(pg_catalog.=) s.oid
    UNION ALL
    SELECT 'type', t.typname::pg_catalog.text, t.typowner, NULL
    FROM pg_catalog.pg_type t JOIN s ON t.typnamespace OPERATOR(pg_catalog.=) s.oid
    WHERE NOT EXISTS (SELECT FROM rels r WHERE r.oid OPERATOR(pg_catalog.=) t.typrelid AND r.relkind OPERATOR(pg_catalog.<>) 'c')
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_type e JOIN rels r ON r.oid OPERATOR(pg_catalog.=) e.typrelid
                      WHERE e.oid OPERATOR(pg_catalog.=) t.typelem AND e.typarray OPERATOR(pg_catalog.=) t.oid AND r.relkind OPERATOR(pg_catalog.<>) 'c')
    UNION ALL
    SELECT 'operator', o.oprname::pg_catalog.text, o.oprowner, NULL FROM pg_catalog.pg_operator o JOIN s ON o.oprnamespace OPERATOR(pg_catalog.=) s.oid
    UNION ALL
    SELECT 'collation', c.collname::pg_catalog.text, c.collowner, NULL FROM pg_catalog.pg_collation c JOIN s ON c.collnamespace OPERATOR(pg_catalog.=) s.oid
    UNION ALL
    SELECT 'conversion', c.conname::pg_catalog.text, c.conowner, NULL FROM pg_catalog.pg_conversion c JOIN s ON c.connamespace OPERATOR(pg_catalog.=) s.oid
    UNION ALL
    SELECT 'operator class', c.opcname::pg_catalog.text, c.opcowner, NULL FROM pg_catalog.pg_opclass c JOIN s ON c.opcnamespace OPERATOR(pg_catalog.=) s.oid
    UNION ALL
    SELECT 'operator family', f.opfname::pg_catalog.text, f.opfowner, NULL FROM pg_catalog.pg_opfamily f JOIN s ON f.opfnamespace OPERATOR(pg_catalog.=) s.oid
    UNION ALL
    SELECT 'statistics object', x.stxname::pg_catalog.text, x.stxowner, NULL FROM pg_catalog.pg_statistic_ext x JOIN s ON x.stxnamespace OPERATOR(pg_catalog.=) s.oid
    UNION ALL
    SELECT 'text search configuration', c.cfgname::pg_catalog.text, c.cfgowner, NULL FROM pg_catalog.pg_ts_config c JOIN s ON c.cfgnamespace OPERATOR(pg_catalog.=) s.oid
    UNION ALL
    SELECT 'text search dictionary', d.dictname::pg_catalog.text, d.dictowner, NULL FROM pg_catalog.pg_ts_dict d JOIN s ON d.dictnamespace OPERATOR(pg_catalog.=) s.oid
    UNION ALL
    SELECT 'text search parser', p.prsname::pg_catalog.text, NULL::pg_catalog.oid, NULL FROM pg_catalog.pg_ts_parser p JOIN s ON p.prsnamespace OPERATOR(pg_catalog.=) s.oid
    UNION ALL
    SELECT 'text search template', t.tmplname::pg_catalog.text, NULL::pg_catalog.oid, NULL FROM pg_catalog.pg_ts_template t JOIN s ON t.tmplnamespace OPERATOR(pg_catalog.=) s.oid
    UNION ALL
    SELECT 'trigger', tg.tgname::pg_catalog.text, r.relowner, r.relname::pg_catalog.text
    FROM pg_catalog.pg_trigger tg JOIN rels r ON r.oid OPERATOR(pg_catalog.=) tg.tgrelid WHERE NOT tg.tgisinternal
    UNION ALL
    SELECT 'rule', w.rulename::pg_catalog.text, r.relowner, r.relname::pg_catalog.text
    FROM pg_catalog.pg_rewrite w JOIN rels r ON r.oid OPERATOR(pg_catalog.=) w.ev_class
    UNION ALL
    SELECT 'policy', p.polname::pg_catalog.text, r.relowner, r.relname::pg_catalog.text
    FROM pg_catalog.pg_policy p JOIN rels r ON r.oid OPERATOR(pg_catalog.=) p.polrelid
    UNION ALL
    SELECT 'row security', r.relname::pg_catalog.text, r.relowner, NULL FROM rels r WHERE r.relrowsecurity
    UNION ALL
    SELECT 'child table', pg_catalog.quote_ident(cn.nspname) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname), c.relowner, r.relname::pg_catalog.text
    FROM pg_catalog.pg_inherits i JOIN rels r ON r.oid OPERATOR(pg_catalog.=) i.inhparent
    JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.inhrelid JOIN pg_catalog.pg_namespace cn ON cn.oid OPERATOR(pg_catalog.=) c.relnamespace
)
SELECT o.kind, o.name, o.parent,
       COALESCE(a.rolname::pg_catalog.text, o.owner::pg_catalog.text) AS owner,
       COALESCE(a.rolsuper, false) AS owner_is_superuser
FROM objects o
LEFT JOIN pg_catalog.pg_roles a ON a.oid OPERATOR(pg_catalog.=) o.owner
ORDER BY 1, 3 NULLS FIRST, 2;
