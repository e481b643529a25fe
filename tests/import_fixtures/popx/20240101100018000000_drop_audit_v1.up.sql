DROP TABLE app.audit_v1;
