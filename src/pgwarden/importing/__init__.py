"""``pgwarden import FORMAT DIR OUT``: adopt a Sqitch, Flyway, golang-migrate or popx migration directory.

One reader per tool (``readers``) turns its directory into :class:`~pgwarden.importing.model.Migration`
values in that tool's own order, opening files only inside DIR (``paths``), reading file names as the tool
does (``names``) and Sqitch dependencies as Sqitch checks them (``dependencies``); ``sql`` prepares each file
with PostgreSQL's parser (transaction wrappers, ``\\gexec``, psql variables, statements that cannot run in a
transaction) and ``transactions`` cuts a file where psql commits; ``write`` writes the package and
``command`` is the command (the lock, the check, IMPORT.md).
"""
