-- Revert billing:audit from pg

BEGIN;

DROP TABLE app.audit;

COMMIT;
