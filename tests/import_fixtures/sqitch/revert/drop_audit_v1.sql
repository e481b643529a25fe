-- Revert billing:drop_audit_v1 from pg

BEGIN;

CREATE TABLE app.audit_v1 (id bigint PRIMARY KEY, what text);

COMMIT;
