-- Deploy billing:email_not_null to pg
-- requires: backfill_email

BEGIN;

ALTER TABLE app.users ALTER COLUMN email SET NOT NULL;

COMMIT;
