-- The object that owns another internally (a constraint its index, a view its _RETURN rule, a table its row
-- type): DROP of the owned object alone is refused, naming the owner (described by the caller, under the
-- statement's search_path, as the server names them).
SELECT d.classid::bigint AS t_classid, d.objid::bigint AS t_objid, d.objsubid AS t_objsubid,
       d.refclassid::bigint AS o_classid, d.refobjid::bigint AS o_objid, d.refobjsubid AS o_objsubid
FROM pg_catalog.pg_depend d
WHERE d.classid = %(classid)s::regclass AND d.objid = %(objid)s::oid AND d.objsubid = 0 AND d.deptype IN ('i', 'P')
LIMIT 1
