-- find_coercion_pathway()'s inputs for one (source, target) pair: both types reduced to their base
-- types (domains unwrapped), the target's category, the array element types, and whether pg_cast
-- has an implicit or assignment cast between the base types.
WITH RECURSIVE up(start, cur) AS (
    SELECT t.oid, t.oid FROM pg_catalog.pg_type t WHERE t.oid IN (%(src)s, %(dst)s)
    UNION ALL
    SELECT up.start, t.typbasetype FROM up JOIN pg_catalog.pg_type t ON t.oid = up.cur WHERE t.typtype = 'd'
), base AS (
    SELECT up.start, t.oid, t.typcategory::text AS category,
           CASE WHEN t.typsubscript = 'pg_catalog.array_subscript_handler'::regproc THEN t.typelem END AS elem
    FROM up JOIN pg_catalog.pg_type t ON t.oid = up.cur WHERE t.typtype <> 'd'
)
SELECT s.oid::bigint AS src_base, d.oid::bigint AS dst_base, d.category AS dst_category,
       s.elem::bigint AS src_elem, d.elem::bigint AS dst_elem,
       EXISTS (SELECT 1 FROM pg_catalog.pg_cast c
               WHERE c.castsource = s.oid AND c.casttarget = d.oid AND c.castcontext IN ('i', 'a')) AS assignment_cast
FROM base s, base d
WHERE s.start = %(src)s AND d.start = %(dst)s;
