"""The ``check`` command: a package's integrity and policy, and with ``--dsn`` its identity guard and the
live preflight."""
