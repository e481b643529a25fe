DROP TABLE app.accounts;
