-- Revert billing:email_not_null from pg

BEGIN;

ALTER TABLE app.users ALTER COLUMN email DROP NOT NULL;

COMMIT;
