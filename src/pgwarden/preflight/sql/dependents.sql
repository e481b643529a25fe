-- What stops DROP ... RESTRICT (or ALTER TABLE ... DROP COLUMN / CONSTRAINT) of one object: the objects
-- that a CASCADE would drop with it. The target is (classid, objid), a column of it (attname) or a
-- constraint of it (conname). Every pg_depend edge reachable from the target is returned once, in
-- pg_depend order, with the descriptions the server prints (the caller describes them again under the
-- statement's search_path, as the server names them) and, for an object owned internally by another
-- (a view's _RETURN rule), that owner; the relation each object belongs to lets preflight ignore what the
-- package has already dropped. The walk itself (breadth-first, each object reported once) is done in
-- preflight/dependencies.py, the way the server's findDependentObjects reports. Read-only.
WITH RECURSIVE target AS (
    SELECT CASE WHEN %(conname)s::text IS NULL THEN %(classid)s::regclass::oid
                ELSE 'pg_catalog.pg_constraint'::regclass::oid END AS classid,
           CASE WHEN %(conname)s::text IS NULL THEN %(objid)s::oid
                ELSE (SELECT k.oid FROM pg_catalog.pg_constraint k
                      WHERE k.conrelid = %(objid)s::oid AND k.conname = %(conname)s::text LIMIT 1) END AS objid,
           CASE WHEN %(attname)s::text IS NULL THEN 0
                ELSE (SELECT a.attnum::int FROM pg_catalog.pg_attribute a
                      WHERE a.attrelid = %(objid)s::oid AND a.attname = %(attname)s::text) END AS objsubid
), nodes(classid, objid, objsubid) AS (
    -- every object a CASCADE would reach: dependents, and the owners of internally owned dependents
    SELECT classid, objid, objsubid FROM target WHERE objid IS NOT NULL
  UNION
    SELECT x.classid, x.objid, 0
    FROM nodes n
    CROSS JOIN LATERAL (
        SELECT coalesce(i.refclassid, d.classid) AS classid, coalesce(i.refobjid, d.objid) AS objid
        FROM pg_catalog.pg_depend d
        LEFT JOIN pg_catalog.pg_depend i ON i.classid = d.classid AND i.objid = d.objid AND i.deptype = 'i'
        WHERE d.refclassid = n.classid AND d.refobjid = n.objid AND (n.objsubid = 0 OR d.refobjsubid = n.objsubid)
          AND d.deptype IN ('n', 'a', 'i', 'P', 'S')
        UNION ALL
        SELECT d.classid, d.objid
        FROM pg_catalog.pg_depend d
        WHERE d.refclassid = n.classid AND d.refobjid = n.objid AND (n.objsubid = 0 OR d.refobjsubid = n.objsubid)
          AND d.deptype IN ('n', 'a', 'i', 'P', 'S')
    ) x
), edges(classid, objid, objsubid, refclassid, refobjid, refobjsubid, deptype) AS (
    SELECT DISTINCT d.classid, d.objid, d.objsubid, d.refclassid, d.refobjid, d.refobjsubid, d.deptype
    FROM pg_catalog.pg_depend d
    JOIN nodes n ON d.refclassid = n.classid AND d.refobjid = n.objid AND (n.objsubid = 0 OR d.refobjsubid = n.objsubid)
    WHERE d.deptype IN ('n', 'a', 'i', 'P', 'S')
)
SELECT 0 AS edge, t.classid::bigint AS classid, t.objid::bigint AS objid, t.objsubid, NULL::bigint AS refclassid,
       NULL::bigint AS refobjid, NULL::int AS refobjsubid, NULL::text AS deptype,
       pg_catalog.pg_describe_object(t.classid, t.objid, t.objsubid) AS description,
       NULL::bigint AS owner_classid, NULL::bigint AS owner_objid, NULL::text AS owner_description,
       NULL::text AS rel_schema, NULL::text AS rel_name, NULL::text AS root_schema, NULL::text AS root_name,
       NULL::text AS proc_schema, NULL::text AS proc_name
FROM target t
WHERE t.objid IS NOT NULL
UNION ALL
SELECT 1, e.classid::bigint, e.objid::bigint, e.objsubid, e.refclassid::bigint, e.refobjid::bigint, e.refobjsubid,
       e.deptype::text, pg_catalog.pg_describe_object(e.classid, e.objid, e.objsubid),
       o.refclassid::bigint, o.refobjid::bigint, pg_catalog.pg_describe_object(o.refclassid, o.refobjid, 0),
       rn.nspname::text, r.relname::text, rootn.nspname::text, root.relname::text, pn.nspname::text, p.proname::text
FROM edges e
LEFT JOIN LATERAL (SELECT i.refclassid, i.refobjid FROM pg_catalog.pg_depend i
                   WHERE i.classid = e.classid AND i.objid = e.objid AND i.deptype = 'i' LIMIT 1) o ON true
LEFT JOIN LATERAL (
    SELECT CASE coalesce(o.refclassid, e.classid)
             WHEN 'pg_catalog.pg_class'::regclass THEN coalesce(o.refobjid, e.objid)
             WHEN 'pg_catalog.pg_rewrite'::regclass THEN (SELECT w.ev_class FROM pg_catalog.pg_rewrite w
                                                          WHERE w.oid = coalesce(o.refobjid, e.objid))
             WHEN 'pg_catalog.pg_constraint'::regclass THEN (SELECT k.conrelid FROM pg_catalog.pg_constraint k
                                                             WHERE k.oid = coalesce(o.refobjid, e.objid))
             WHEN 'pg_catalog.pg_trigger'::regclass THEN (SELECT tg.tgrelid FROM pg_catalog.pg_trigger tg
                                                          WHERE tg.oid = coalesce(o.refobjid, e.objid))
             WHEN 'pg_catalog.pg_attrdef'::regclass THEN (SELECT ad.adrelid FROM pg_catalog.pg_attrdef ad
                                                          WHERE ad.oid = coalesce(o.refobjid, e.objid))
             WHEN 'pg_catalog.pg_policy'::regclass THEN (SELECT po.polrelid FROM pg_catalog.pg_policy po
                                                         WHERE po.oid = coalesce(o.refobjid, e.objid))
             WHEN 'pg_catalog.pg_type'::regclass THEN (SELECT nullif(ty.typrelid, 0) FROM pg_catalog.pg_type ty
                                                       WHERE ty.oid = coalesce(o.refobjid, e.objid))
           END AS relid
) owner_rel ON true
LEFT JOIN pg_catalog.pg_class r ON r.oid = owner_rel.relid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
LEFT JOIN pg_catalog.pg_class root ON r.relispartition AND root.oid = pg_catalog.pg_partition_root(r.oid)
LEFT JOIN pg_catalog.pg_namespace rootn ON rootn.oid = root.relnamespace
LEFT JOIN pg_catalog.pg_proc p ON coalesce(o.refclassid, e.classid) = 'pg_catalog.pg_proc'::regclass
                               AND p.oid = coalesce(o.refobjid, e.objid)
LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
ORDER BY 1, 5, 6, 7, 2, 3
