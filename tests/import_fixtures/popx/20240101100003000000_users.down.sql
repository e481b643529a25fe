DROP TABLE app.users;
