-- Revert billing:active_users from pg

BEGIN;

DROP VIEW app.active_users;

COMMIT;
