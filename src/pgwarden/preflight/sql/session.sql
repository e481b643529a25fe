-- Who and where we are: the facts name resolution depends on (the search_path is the one captured before
-- pgwarden pinned its session: pgwarden.pg.search_path).
SELECT current_setting('server_version_num')::int AS server_version_num,
       current_user::text AS current_user,
       session_user::text AS session_user,
       current_database()::text AS database,
       coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user), false) AS superuser,
       pg_catalog.has_database_privilege(current_database(), 'CREATE') AS can_create_schema,
       CASE WHEN pg_catalog.pg_my_temp_schema() <> 0
            THEN pg_catalog.pg_my_temp_schema()::pg_catalog.regnamespace::text END AS temp_schema;
