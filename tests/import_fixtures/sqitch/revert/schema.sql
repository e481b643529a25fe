-- Revert billing:schema from pg

BEGIN;

DROP SCHEMA app;

COMMIT;
