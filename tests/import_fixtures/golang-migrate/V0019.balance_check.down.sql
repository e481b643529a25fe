ALTER TABLE app.invoices DROP CONSTRAINT invoices_amount_positive;
