-- Verify billing:users on pg

BEGIN;

SELECT id, account_id, login FROM app.users WHERE false;

ROLLBACK;
