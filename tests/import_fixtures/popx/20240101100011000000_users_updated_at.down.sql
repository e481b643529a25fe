DROP TRIGGER users_touch ON app.users;
ALTER TABLE app.users DROP COLUMN updated_at;
