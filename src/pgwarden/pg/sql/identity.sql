-- Server identity, as the [target] guard compares it. Read-only.
SELECT current_setting('server_version') AS server_version,
       current_setting('server_version_num')::int AS server_version_num,
       current_database() AS database,
       current_user AS role,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
       (SELECT system_identifier::text FROM pg_control_system()) AS system_identifier,
       current_setting('data_checksums') = 'on' AS data_checksums,
       current_setting('server_encoding') AS encoding
