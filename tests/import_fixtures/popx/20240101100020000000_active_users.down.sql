DROP VIEW app.active_users;
