-- Deploy billing:audit to pg
-- requires: invoice_indexes

BEGIN;

CREATE TABLE app.audit (id bigint PRIMARY KEY, what text);

COMMIT;
