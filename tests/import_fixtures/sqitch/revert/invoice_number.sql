-- Revert billing:invoice_number from pg

BEGIN;

ALTER TABLE app.invoices DROP COLUMN number;
DROP SEQUENCE app.invoice_number;

COMMIT;
