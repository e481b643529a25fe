-- ADD COLUMN ... NOT NULL without a default: any row fails it (counted up to 1,000,001).
SELECT pg_catalog.count(*) OVER () AS n, s.key FROM (SELECT {key} AS key FROM {table} LIMIT 1000001) s LIMIT 5
