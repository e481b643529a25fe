"""``pgwarden import FORMAT DIR OUT``: adopt a Sqitch, Flyway, golang-migrate or popx migration directory.

One reader per tool (``sqitch``, ``flyway``, ``golang_migrate``, ``popx``) turns its directory into
:class:`~pgwarden.importing.model.Migration` values in that tool's own order; ``sql`` prepares each file
with PostgreSQL's parser (transaction wrappers, ``\\gexec``, psql variables, statements that cannot run in
a transaction); ``write`` writes and locks the package with its IMPORT.md; ``command`` is the command.
"""
