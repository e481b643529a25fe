-- Verify billing:totals_fn on pg

BEGIN;

SELECT has_function_privilege('app.account_total(bigint)', 'execute');

ROLLBACK;
