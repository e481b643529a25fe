BEGIN;
UPDATE app.users SET email = login || '@example.com' WHERE email IS NULL;
COMMIT;
