-- Deploy billing:users to pg
-- requires: accounts

BEGIN;

CREATE TABLE app.users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES app.accounts (id),
  login text NOT NULL
);

COMMIT;
