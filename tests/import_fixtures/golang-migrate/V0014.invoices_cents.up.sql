ALTER TABLE app.invoices RENAME COLUMN amount TO amount_cents;
ALTER TABLE app.invoices ALTER COLUMN amount_cents TYPE bigint USING (amount_cents * 100)::bigint;
