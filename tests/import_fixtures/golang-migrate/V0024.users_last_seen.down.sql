BEGIN;
ALTER TABLE app.users DROP COLUMN last_seen;
ALTER TABLE app.users DROP COLUMN updated_at;
COMMIT;
