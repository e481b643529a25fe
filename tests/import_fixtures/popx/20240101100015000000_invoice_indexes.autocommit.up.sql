CREATE INDEX CONCURRENTLY invoices_account_idx ON app.invoices (account_id);
CREATE INDEX CONCURRENTLY invoices_issued_idx ON app.invoices (issued_on);
COMMENT ON INDEX app.invoices_issued_idx IS 'reports by day';
