DROP TABLE app.audit;
ALTER TABLE app.audit_v1 RENAME TO audit;
DROP TABLE IF EXISTS app.audit_tmp;
