CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON app.users (email);
