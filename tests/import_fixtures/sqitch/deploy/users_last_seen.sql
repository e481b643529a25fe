-- Deploy billing:users_last_seen to pg
-- requires: legacy_cleanup

BEGIN;

ALTER TABLE app.users ADD COLUMN last_seen timestamptz;

COMMIT;
