-- golang-migrate's schema_migrations: one row, the current version and whether a migration was cut short.
SELECT m.version::text AS key, CASE WHEN m.dirty THEN 'dirty' END AS failed FROM {table} m;
