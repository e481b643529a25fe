-- Revert billing:accounts from pg

BEGIN;

DROP TABLE app.accounts;

COMMIT;
