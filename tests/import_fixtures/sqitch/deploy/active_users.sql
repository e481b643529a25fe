-- Deploy billing:active_users to pg
-- requires: balance_check

BEGIN;

CREATE VIEW app.active_users AS
  SELECT u.id, u.login, u.email, a.name AS account
  FROM app.users u JOIN app.accounts a ON a.id = u.account_id;
SELECT format('GRANT SELECT ON %I.%I TO PUBLIC', schemaname, viewname)
FROM pg_views WHERE schemaname = :'schema' \gexec

COMMIT;
