ALTER TABLE app.audit RENAME TO audit_v1;
CREATE TABLE app.audit (id bigint PRIMARY KEY, what text NOT NULL, at timestamptz NOT NULL DEFAULT now());
INSERT INTO app.audit (id, what) SELECT id, coalesce(what, '') FROM app.audit_v1;
