-- Deploy billing:totals_fn to pg
-- requires: invoice_number

BEGIN;

CREATE FUNCTION app.account_total(p_account bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(amount_cents), 0)::bigint FROM app.invoices WHERE account_id = p_account;
$$;

COMMIT;
