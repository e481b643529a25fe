-- Revert billing:balance_check from pg

BEGIN;

ALTER TABLE app.invoices DROP CONSTRAINT invoices_amount_positive;

COMMIT;
