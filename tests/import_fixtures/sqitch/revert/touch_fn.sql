-- Revert billing:touch_fn from pg

BEGIN;

DROP FUNCTION app.touch();

COMMIT;
