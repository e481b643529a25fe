-- Deploy billing:email_unique to pg
-- requires: email_not_null

CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON app.users (email);
