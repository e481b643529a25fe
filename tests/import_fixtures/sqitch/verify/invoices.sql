-- Verify billing:invoices on pg

BEGIN;

SELECT id, account_id, issued_on FROM app.invoices WHERE false;

ROLLBACK;
