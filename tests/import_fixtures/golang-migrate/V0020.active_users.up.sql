CREATE VIEW app.active_users AS
  SELECT u.id, u.login, u.email, a.name AS account
  FROM app.users u JOIN app.accounts a ON a.id = u.account_id;
