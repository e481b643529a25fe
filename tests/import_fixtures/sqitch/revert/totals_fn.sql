-- Revert billing:totals_fn from pg

BEGIN;

DROP FUNCTION app.account_total(bigint);

COMMIT;
