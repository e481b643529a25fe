-- Revert billing:role_enum from pg

BEGIN;

ALTER TABLE app.users DROP COLUMN role;
DROP TYPE app.user_role;

COMMIT;
