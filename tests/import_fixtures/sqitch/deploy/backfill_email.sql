-- Deploy billing:backfill_email to pg
-- requires: users_email

BEGIN;

UPDATE app.users SET email = login || '@example.com' WHERE email IS NULL;

COMMIT;
