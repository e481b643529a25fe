-- email_not_null
ALTER TABLE app.users ALTER COLUMN email SET NOT NULL;
