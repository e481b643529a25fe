-- Revert billing:invoices from pg

BEGIN;

DROP TABLE app.invoices;

COMMIT;
