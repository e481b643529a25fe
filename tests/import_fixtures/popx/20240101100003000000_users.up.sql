CREATE TABLE app.users (
  id bigserial PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES app.accounts (id),
  login text NOT NULL
);
