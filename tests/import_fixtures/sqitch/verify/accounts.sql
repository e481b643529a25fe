-- Verify billing:accounts on pg

BEGIN;

SELECT id, name, created_at FROM app.accounts WHERE false;

ROLLBACK;
