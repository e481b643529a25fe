-- users_updated_at
ALTER TABLE app.users ADD COLUMN updated_at timestamptz;
CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();
