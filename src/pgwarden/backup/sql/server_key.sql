-- What tells one running server from another: a physical replica shares the system_identifier of its
-- primary, but not the postmaster's start time. Read-only.
SELECT (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) AS system_identifier,
       pg_catalog.pg_postmaster_start_time()::text AS started,
       pg_catalog.current_setting('server_version') AS server_version
