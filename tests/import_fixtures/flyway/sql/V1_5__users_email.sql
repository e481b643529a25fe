-- users_email
ALTER TABLE app.users ADD COLUMN email text;
