-- Revert billing:users_email from pg

BEGIN;

ALTER TABLE app.users DROP COLUMN email;

COMMIT;
