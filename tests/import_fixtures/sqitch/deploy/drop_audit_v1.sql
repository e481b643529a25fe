-- Deploy billing:drop_audit_v1 to pg
-- requires: audit_v2

BEGIN;

DROP TABLE app.audit_v1;

COMMIT;
