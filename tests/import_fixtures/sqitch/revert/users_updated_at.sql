-- Revert billing:users_updated_at from pg

BEGIN;

DROP TRIGGER users_touch ON app.users;
ALTER TABLE app.users DROP COLUMN updated_at;

COMMIT;
