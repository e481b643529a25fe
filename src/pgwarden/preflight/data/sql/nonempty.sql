-- ADD COLUMN ... NOT NULL without a default: any row fails it (counted up to 1,000,001). The keys shown are the
-- least (in byte order) of the rows counted: the same every run on a table of up to 1,000,001 rows.
SELECT pg_catalog.count(*) OVER () AS n, s.key
FROM (SELECT {key} COLLATE pg_catalog."C" AS key FROM {table} LIMIT 1000001) s
ORDER BY s.key LIMIT 5
