ALTER TABLE app.users DROP COLUMN role;
DROP TYPE app.user_role;
