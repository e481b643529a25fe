-- Deploy billing:balance_check to pg
-- requires: drop_audit_v1

BEGIN;

ALTER TABLE app.invoices ADD CONSTRAINT invoices_amount_positive CHECK (amount_cents >= 0);

COMMIT;
