ALTER TABLE app.users ADD COLUMN email text;
