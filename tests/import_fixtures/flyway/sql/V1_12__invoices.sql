-- invoices
CREATE TABLE app.invoices (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES app.accounts (id),
  amount numeric(12,2) NOT NULL,
  issued_on date NOT NULL DEFAULT current_date
);
