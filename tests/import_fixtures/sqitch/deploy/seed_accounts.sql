-- Deploy billing:seed_accounts to pg
-- requires: users

BEGIN;

INSERT INTO app.accounts (name) VALUES ('acme'), ('globex');
INSERT INTO app.users (account_id, login) SELECT id, 'admin-' || name FROM app.accounts;

COMMIT;
