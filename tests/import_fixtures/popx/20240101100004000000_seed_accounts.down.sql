DELETE FROM app.users;
DELETE FROM app.accounts;
