-- Revert billing:users from pg

BEGIN;

DROP TABLE app.users;

COMMIT;
