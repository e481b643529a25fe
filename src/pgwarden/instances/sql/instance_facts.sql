-- What a freshly started throwaway instance must prove: its identity, and that it listens on no TCP address.
SELECT system_identifier::text, current_setting('listen_addresses')
FROM pg_control_system()
