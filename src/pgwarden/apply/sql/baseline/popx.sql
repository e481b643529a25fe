-- popx's schema_migration: one row per migration applied.
SELECT m.version::text AS key, NULL::text AS failed FROM {table} m;
