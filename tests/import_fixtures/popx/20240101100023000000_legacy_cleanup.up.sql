DROP TABLE IF EXISTS app.legacy_sessions;
