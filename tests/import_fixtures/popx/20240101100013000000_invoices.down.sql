DROP TABLE app.invoices;
