-- Whether ALTER COLUMN TYPE without USING can convert source to target: the server converts by assignment
-- (an implicit or assignment cast, binary coercion, or I/O conversion to a string type), else 42804.
SELECT %(source)s::oid = %(target)s::oid
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast c
                  WHERE c.castsource = %(source)s::oid AND c.casttarget = %(target)s::oid AND c.castcontext IN ('a', 'i'))
       OR (SELECT t.typcategory = 'S' FROM pg_catalog.pg_type t WHERE t.oid = %(target)s::oid) AS ok;
