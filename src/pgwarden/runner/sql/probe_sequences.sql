-- The sequences a probe can advance: those it names (%(sequences)s), those owned by the tables it inserts or
-- merges into (%(tables)s: a serial or identity column), and those a column default of those tables names.
SELECT DISTINCT format('%%I.%%I', n.nspname, s.relname) AS sequence
FROM pg_class s
JOIN pg_namespace n ON n.oid = s.relnamespace
WHERE s.relkind = 'S'
  AND (s.oid = ANY (%(sequences)s::oid[])
       OR s.oid IN (SELECT d.objid FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
                      AND d.refobjid = ANY (%(tables)s::oid[]) AND d.deptype IN ('a', 'i'))
       OR s.oid IN (SELECT d.refobjid FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid
                    WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass
                      AND ad.adrelid = ANY (%(tables)s::oid[])))
ORDER BY 1
