DROP INDEX app.invoices_issued_idx;
DROP INDEX app.invoices_account_idx;
