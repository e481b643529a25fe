-- users_last_seen
ALTER TABLE app.users ADD COLUMN last_seen timestamptz;
