-- The object that owns another internally (a constraint its index, a view its _RETURN rule, a table its row
-- type): DROP of the owned object alone is refused, naming the owner.
SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) AS target,
       pg_catalog.pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid) AS owner
FROM pg_catalog.pg_depend d
WHERE d.classid = %(classid)s::regclass AND d.objid = %(objid)s::oid AND d.objsubid = 0 AND d.deptype IN ('i', 'P')
LIMIT 1
