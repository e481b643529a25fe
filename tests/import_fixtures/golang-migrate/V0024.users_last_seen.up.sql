BEGIN;
ALTER TABLE app.users ADD COLUMN last_seen timestamptz;
COMMIT;
