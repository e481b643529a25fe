-- Flyway's schema history table (flyway_schema_history): versioned rows by version, repeatable rows by
-- description; success = false is a failed migration Flyway itself refuses to go past.
SELECT CASE WHEN h.version IS NULL THEN 'R:' || h.description ELSE 'V:' || h.version END AS key,
       CASE WHEN NOT h.success THEN 'failed' END AS failed
FROM {table} h
WHERE h.type <> 'BASELINE' AND h.type <> 'SCHEMA' AND h.type <> 'DELETE'
ORDER BY h.installed_rank;
