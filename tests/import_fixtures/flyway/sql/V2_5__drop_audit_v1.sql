-- drop_audit_v1
DROP TABLE app.audit_v1;
