-- Revert billing:seed_accounts from pg

BEGIN;

DELETE FROM app.users;
DELETE FROM app.accounts;

COMMIT;
