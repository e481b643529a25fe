-- Deploy billing:users_email to pg
-- requires: seed_accounts

BEGIN;

ALTER TABLE app.users ADD COLUMN email text;

COMMIT;
