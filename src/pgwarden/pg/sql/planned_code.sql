-- Code owned by a role other than the current one (and not a superuser) that planning a query of these
-- relations can run with the current role's privileges. The planner folds the constant parts of the
-- expressions of a relation's indexes and partial-index predicates, statistics objects, CHECK constraints,
-- partition key and generated columns (inlining SQL functions as it goes) as soon as a query names the
-- relation, for it and each of its inheritance and partition descendants. The functions, operators and casts
-- those expressions use are found through pg_depend. Read-only; %(relids)s: the relations.
WITH RECURSIVE rel(root, oid) AS (
    SELECT r, r FROM pg_catalog.unnest(%(relids)s::pg_catalog.oid[]) AS r
    UNION
    SELECT rel.root, i.inhrelid FROM rel JOIN pg_catalog.pg_inherits i ON i.inhparent = rel.oid
), users(root, classid, objid, what) AS (
    SELECT rel.root, 'pg_catalog.pg_class'::regclass::oid, rel.oid, 'table ' || rel.oid::regclass::text
    FROM rel
    UNION ALL
    SELECT rel.root, 'pg_catalog.pg_class'::regclass::oid, i.indexrelid, 'index ' || i.indexrelid::regclass::text
    FROM rel JOIN pg_catalog.pg_index i ON i.indrelid = rel.oid
    WHERE i.indexprs IS NOT NULL OR i.indpred IS NOT NULL
    UNION ALL
    SELECT rel.root, 'pg_catalog.pg_statistic_ext'::regclass::oid, s.oid,
           'statistics ' || quote_ident(n.nspname) || '.' || quote_ident(s.stxname)
    FROM rel JOIN pg_catalog.pg_statistic_ext s ON s.stxrelid = rel.oid
    JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
    UNION ALL
    SELECT rel.root, 'pg_catalog.pg_constraint'::regclass::oid, k.oid,
           'constraint ' || quote_ident(k.conname) || ' of ' || rel.oid::regclass::text
    FROM rel JOIN pg_catalog.pg_constraint k ON k.conrelid = rel.oid AND k.contype = 'c'
), code(root, what, fn) AS (
    SELECT u.root, u.what,
           CASE d.refclassid
               WHEN 'pg_catalog.pg_proc'::regclass THEN d.refobjid
               WHEN 'pg_catalog.pg_operator'::regclass THEN (SELECT o.oprcode::oid FROM pg_catalog.pg_operator o
                                                             WHERE o.oid = d.refobjid)
               WHEN 'pg_catalog.pg_cast'::regclass THEN (SELECT c.castfunc FROM pg_catalog.pg_cast c
                                                         WHERE c.oid = d.refobjid)
           END
    FROM users u
    JOIN pg_catalog.pg_depend d ON d.classid = u.classid AND d.objid = u.objid
    WHERE d.refclassid IN ('pg_catalog.pg_proc'::regclass, 'pg_catalog.pg_operator'::regclass,
                           'pg_catalog.pg_cast'::regclass)
)
SELECT DISTINCT code.root::bigint AS relid, code.root::regclass::text AS relation, code.what,
       p.oid::regprocedure::text AS function, a.rolname::text AS owner
FROM code
JOIN pg_catalog.pg_proc p ON p.oid = code.fn
JOIN pg_catalog.pg_roles a ON a.oid = p.proowner
WHERE NOT a.rolsuper AND a.rolname <> session_user   -- the login role: a SET ROLE does not make another trusted
ORDER BY 1, 3, 4
