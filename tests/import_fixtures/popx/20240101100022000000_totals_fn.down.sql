DROP FUNCTION app.account_total(bigint);
