-- Deploy billing:invoice_number to pg
-- requires: active_users

BEGIN;

CREATE SEQUENCE app.invoice_number START 1000;
ALTER TABLE app.invoices ADD COLUMN number bigint NOT NULL DEFAULT nextval('app.invoice_number');

COMMIT;
