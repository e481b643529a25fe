-- What a user query may call, resolved on the live server, and which of it is VOLATILE. Read-only.
--   %(fschemas)s, %(fnames)s: functions called by name (schema NULL: along the search path);
--   %(oschemas)s, %(onames)s: operators used; %(types)s: type names cast to; %(rels)s: relation OIDs read.
-- Views read (recursively) and row-security policies on the relations read call functions too: their
-- dependencies are taken from pg_depend, as the server recorded them.
WITH RECURSIVE
rels(oid) AS (
    SELECT unnest(%(rels)s::oid[])
    UNION
    SELECT d.refobjid
    FROM rels r
    JOIN (SELECT w.ev_class AS rel, w.oid AS objid, 'pg_rewrite'::regclass AS classid FROM pg_rewrite w
          UNION ALL
          SELECT p.polrelid, p.oid, 'pg_policy'::regclass FROM pg_policy p) x ON x.rel = r.oid
    JOIN pg_depend d ON d.classid = x.classid AND d.objid = x.objid AND d.refclassid = 'pg_class'::regclass
),
via_rels(via, refclassid, refobjid) AS (
    SELECT x.rel::regclass::text, d.refclassid, d.refobjid
    FROM rels r
    JOIN (SELECT w.ev_class AS rel, w.oid AS objid, 'pg_rewrite'::regclass AS classid FROM pg_rewrite w
          UNION ALL
          SELECT p.polrelid, p.oid, 'pg_policy'::regclass FROM pg_policy p) x ON x.rel = r.oid
    JOIN pg_depend d ON d.classid = x.classid AND d.objid = x.objid
    WHERE d.refclassid IN ('pg_proc'::regclass, 'pg_operator'::regclass)
),
called(via, proc) AS (
    SELECT NULL::text, p.oid
    FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    JOIN unnest(%(fschemas)s::text[], %(fnames)s::text[]) AS w(schema, name) ON p.proname = w.name
    WHERE n.nspname = w.schema OR (w.schema IS NULL AND n.nspname = ANY (current_schemas(true)))
    UNION ALL
    SELECT NULL, o.oprcode::oid
    FROM pg_operator o
    JOIN pg_namespace n ON n.oid = o.oprnamespace
    JOIN unnest(%(oschemas)s::text[], %(onames)s::text[]) AS w(schema, name) ON o.oprname = w.name
    WHERE o.oprcode <> 0 AND (n.nspname = w.schema OR (w.schema IS NULL AND n.nspname = ANY (current_schemas(true))))
    UNION ALL
    SELECT NULL, c.castfunc
    FROM pg_cast c
    JOIN pg_type t ON t.oid = c.casttarget
    WHERE c.castfunc <> 0 AND t.typname = ANY (%(types)s::text[])
    UNION ALL
    SELECT via, refobjid FROM via_rels WHERE refclassid = 'pg_proc'::regclass
    UNION ALL
    SELECT v.via, o.oprcode::oid FROM via_rels v JOIN pg_operator o ON o.oid = v.refobjid
    WHERE v.refclassid = 'pg_operator'::regclass AND o.oprcode <> 0
),
support(via, proc, owner) AS (   -- an aggregate runs its support functions
    SELECT c.via, c.proc, NULL::regprocedure FROM called c
    UNION ALL
    SELECT c.via, f.fn, c.proc::regprocedure
    FROM called c
    JOIN pg_aggregate a ON a.aggfnoid = c.proc
    CROSS JOIN LATERAL unnest(ARRAY[a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn,
                                    a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn]::oid[]) AS f(fn)
    WHERE f.fn <> 0
)
SELECT DISTINCT s.proc::regprocedure::text AS function, s.via, s.owner::text AS aggregate, p.provolatile AS volatility
FROM support s
JOIN pg_proc p ON p.oid = s.proc
ORDER BY 1, 2
