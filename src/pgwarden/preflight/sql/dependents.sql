-- What stops DROP ... RESTRICT (or ALTER TABLE ... DROP COLUMN / CONSTRAINT) of one object: every object
-- with a normal dependency on it, or on something that goes along with it (its auto, internal and
-- partition dependents: a table's indexes, constraints, row type, triggers, rules, owned sequences),
-- found the way the server's findDependentObjects walks pg_depend. The target is (classid, objid), a
-- column of it (attname) or a constraint of it (conname). One row per blocking dependency, in pg_depend
-- order; the first row also describes the target. Read-only.
WITH RECURSIVE target AS (
    SELECT CASE WHEN %(conname)s::text IS NULL THEN %(classid)s::regclass::oid
                ELSE 'pg_catalog.pg_constraint'::regclass::oid END AS classid,
           CASE WHEN %(conname)s::text IS NULL THEN %(objid)s::oid
                ELSE (SELECT k.oid FROM pg_catalog.pg_constraint k
                      WHERE k.conrelid = %(objid)s::oid AND k.conname = %(conname)s::text LIMIT 1) END AS objid,
           CASE WHEN %(attname)s::text IS NULL THEN 0
                ELSE (SELECT a.attnum::int FROM pg_catalog.pg_attribute a
                      WHERE a.attrelid = %(objid)s::oid AND a.attname = %(attname)s::text) END AS objsubid
), going(classid, objid, objsubid) AS (
    SELECT classid, objid, objsubid FROM target
  UNION
    SELECT d.classid, d.objid, d.objsubid
    FROM pg_catalog.pg_depend d
    JOIN going g ON d.refclassid = g.classid AND d.refobjid = g.objid
                AND (g.objsubid = 0 OR d.refobjsubid = g.objsubid)
    WHERE d.deptype IN ('a', 'i', 'P', 'S')
), blockers AS (
    SELECT DISTINCT d.classid, d.objid, d.objsubid, d.refclassid, d.refobjid, d.refobjsubid
    FROM pg_catalog.pg_depend d
    JOIN going g ON d.refclassid = g.classid AND d.refobjid = g.objid
                AND (g.objsubid = 0 OR d.refobjsubid = g.objsubid)
    WHERE d.deptype = 'n'
      AND NOT EXISTS (SELECT 1 FROM going x WHERE x.classid = d.classid AND x.objid = d.objid
                      AND (x.objsubid = 0 OR x.objsubid = d.objsubid))
)
SELECT pg_catalog.pg_describe_object(t.classid, t.objid, t.objsubid) AS target,
       pg_catalog.pg_describe_object(b.classid, b.objid, b.objsubid) AS dependent,
       pg_catalog.pg_describe_object(b.refclassid, b.refobjid, b.refobjsubid) AS referenced,
       b.classid::regclass::text AS catalog,
       -- the relation or routine a blocker belongs to, so that one the package already dropped is ignored
       rn.nspname::text AS rel_schema, r.relname::text AS rel_name,
       rootn.nspname::text AS root_schema, root.relname::text AS root_name,
       pn.nspname::text AS proc_schema, p.proname::text AS proc_name
FROM target t
LEFT JOIN blockers b ON true
LEFT JOIN LATERAL (
    SELECT CASE b.classid
             WHEN 'pg_catalog.pg_class'::regclass THEN b.objid
             WHEN 'pg_catalog.pg_rewrite'::regclass THEN (SELECT w.ev_class FROM pg_catalog.pg_rewrite w WHERE w.oid = b.objid)
             WHEN 'pg_catalog.pg_constraint'::regclass THEN (SELECT k.conrelid FROM pg_catalog.pg_constraint k WHERE k.oid = b.objid)
             WHEN 'pg_catalog.pg_trigger'::regclass THEN (SELECT tg.tgrelid FROM pg_catalog.pg_trigger tg WHERE tg.oid = b.objid)
             WHEN 'pg_catalog.pg_attrdef'::regclass THEN (SELECT ad.adrelid FROM pg_catalog.pg_attrdef ad WHERE ad.oid = b.objid)
             WHEN 'pg_catalog.pg_policy'::regclass THEN (SELECT po.polrelid FROM pg_catalog.pg_policy po WHERE po.oid = b.objid)
             WHEN 'pg_catalog.pg_type'::regclass THEN (SELECT ty.typrelid FROM pg_catalog.pg_type ty WHERE ty.oid = b.objid)
           END AS relid
) owner_rel ON true
LEFT JOIN pg_catalog.pg_class r ON r.oid = owner_rel.relid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
LEFT JOIN pg_catalog.pg_class root ON r.relispartition AND root.oid = pg_catalog.pg_partition_root(r.oid)
LEFT JOIN pg_catalog.pg_namespace rootn ON rootn.oid = root.relnamespace
LEFT JOIN pg_catalog.pg_proc p ON b.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = b.objid
LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
WHERE t.objid IS NOT NULL
