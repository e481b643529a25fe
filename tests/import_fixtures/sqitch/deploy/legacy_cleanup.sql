-- Deploy billing:legacy_cleanup to pg
-- requires: totals_fn

BEGIN;

DROP TABLE IF EXISTS app.legacy_sessions;

COMMIT;
