-- Who and where we are: the facts name resolution depends on.
SELECT current_setting('server_version_num')::int AS server_version_num,
       current_user::text AS current_user,
       session_user::text AS session_user,
       current_database()::text AS database,
       current_setting('search_path') AS search_path;
