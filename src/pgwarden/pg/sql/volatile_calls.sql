-- What the names a user query uses can call, resolved on the live server, with each one's volatility.
-- Read-only. %(path)s: the schemas the query's search_path searches, in order (the session's own path is
-- pgwarden's pin, not the user's). %(fschemas)s/%(fnames)s: functions called (schema NULL: any schema of the
-- path, every overload, as the server would consider them); %(oschemas)s/%(onames)s: operators (their functions); %(types)s: type names cast to (the
-- cast functions). An aggregate also runs its support functions, which are listed with it. Each with its owner:
-- a function neither a superuser nor the login role owns is another role's code, whatever volatility it declares.
WITH called(proc) AS (
    SELECT p.oid
    FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    JOIN unnest(%(fschemas)s::text[], %(fnames)s::text[]) AS w(schema, name) ON p.proname = w.name
    WHERE n.nspname = w.schema OR (w.schema IS NULL AND n.nspname = ANY (%(path)s::text[]))
    UNION
    SELECT o.oprcode::oid
    FROM pg_operator o
    JOIN pg_namespace n ON n.oid = o.oprnamespace
    JOIN unnest(%(oschemas)s::text[], %(onames)s::text[]) AS w(schema, name) ON o.oprname = w.name
    WHERE o.oprcode <> 0 AND (n.nspname = w.schema OR (w.schema IS NULL AND n.nspname = ANY (%(path)s::text[])))
    UNION
    SELECT c.castfunc
    FROM pg_cast c
    JOIN pg_type t ON t.oid = c.casttarget
    WHERE c.castfunc <> 0 AND t.typname = ANY (%(types)s::text[])
),
support(proc, aggregate) AS (
    SELECT proc, NULL::oid FROM called
    UNION
    SELECT f.fn, c.proc
    FROM called c
    JOIN pg_aggregate a ON a.aggfnoid = c.proc
    CROSS JOIN LATERAL unnest(ARRAY[a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn,
                                    a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn]::oid[]) AS f(fn)
    WHERE f.fn <> 0
)
SELECT s.proc::regprocedure::text AS function, s.aggregate::regprocedure::text AS aggregate,
       p.provolatile AS volatility, o.rolname::text AS owner,
       (o.rolsuper OR o.rolname = session_user) AS trusted   -- a superuser's, or the login role's own
FROM support s
JOIN pg_proc p ON p.oid = s.proc
JOIN pg_roles o ON o.oid = p.proowner
ORDER BY 1, 2
