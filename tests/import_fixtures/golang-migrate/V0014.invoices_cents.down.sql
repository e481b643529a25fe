ALTER TABLE app.invoices ALTER COLUMN amount_cents TYPE numeric(12,2) USING amount_cents / 100.0;
ALTER TABLE app.invoices RENAME COLUMN amount_cents TO amount;
