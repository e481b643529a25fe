-- ADD UNIQUE / PRIMARY KEY, CREATE UNIQUE INDEX: keys that more than one row shares. Rows with a NULL in the
-- key never collide unless NULLS NOT DISTINCT ({nulls}); a partial index looks only at its WHERE ({pred}).
SELECT pg_catalog.sum(d.copies) OVER ()::bigint AS n, d.key, d.copies
FROM (SELECT {keytext} COLLATE pg_catalog."C" AS key, pg_catalog.count(*) AS copies
      FROM {table} WHERE {nulls} AND {pred} GROUP BY {cols}
      HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1) d
ORDER BY d.copies DESC, d.key LIMIT 5
