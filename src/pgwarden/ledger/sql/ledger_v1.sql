-- pgwarden's ledger, version 1: what apply did to this database, one row per bundle attempt that committed.
-- Created by the first apply, in one transaction; a newer pgwarden upgrades it, an older one refuses it.
CREATE SCHEMA pgwarden;
COMMENT ON SCHEMA pgwarden IS 'pgwarden ledger: what pgwarden apply did to this database (see pgwarden status)';

CREATE TABLE pgwarden.ledger_version (
    version      int PRIMARY KEY,
    installed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    installed_by text NOT NULL
);

CREATE TABLE pgwarden.bundle_attempt (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    package          text NOT NULL,
    package_hash     text NOT NULL,           -- sha256 of the package's pgwarden.sum
    bundle           text NOT NULL,
    bundle_order     int NOT NULL,            -- TXN-<n>
    bundle_sha256    text NOT NULL,           -- sha256 of the bundle's apply file
    state            text NOT NULL CHECK (state IN ('applied', 'rolled_back', 'in_doubt', 'absent')),
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz,             -- when the row last changed state
    db_role          text NOT NULL,
    os_user          text NOT NULL,
    pgwarden_version text NOT NULL,
    run_id           text NOT NULL,
    kit              text,
    backup_sha256    text,
    note             text,                    -- why a row changed state (rollback, resolve, adoption)
    resolved_by      text,
    resolved_at      timestamptz,
    adopted_from     text,
    row_sha256       text NOT NULL            -- pgwarden.attempt_digest(row), set by pgwarden: a hand edit shows
);
CREATE INDEX ON pgwarden.bundle_attempt (package, bundle, id);

CREATE TABLE pgwarden.run (
    run_id        text PRIMARY KEY,
    command       text NOT NULL,
    package       text NOT NULL,
    package_hash  text NOT NULL,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    verdict       text NOT NULL,              -- RUNNING until the run ends
    kit           text,
    db_role       text NOT NULL,
    os_user       text NOT NULL,
    backup_sha256 text
);

-- The digest of a row, over every column but itself, in a form no session setting changes.
CREATE FUNCTION pgwarden.attempt_digest(a pgwarden.bundle_attempt) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
    SELECT encode(sha256(convert_to(concat_ws(E'\x1f',
        a.id::text, a.package, a.package_hash, a.bundle, a.bundle_order::text, a.bundle_sha256, a.state,
        coalesce(extract(epoch FROM a.started_at)::text, '\N'), coalesce(extract(epoch FROM a.finished_at)::text, '\N'),
        a.db_role, a.os_user, a.pgwarden_version, a.run_id, coalesce(a.kit, '\N'), coalesce(a.backup_sha256, '\N'),
        coalesce(a.note, '\N'), coalesce(a.resolved_by, '\N'), coalesce(extract(epoch FROM a.resolved_at)::text, '\N'),
        coalesce(a.adopted_from, '\N')), 'UTF8')), 'hex')
$f$;
