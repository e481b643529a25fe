"""Data checks (``check --data-checks``, ``[policy] data_checks``): the rows that would make a statement fail.

``writes``: which relations earlier statements of the package may change (a check on them is then not
judged). ``plan``: for each statement whose success depends on existing rows, one read-only query that
counts the offending rows and shows up to five of their keys (templates in ``sql/``). ``execute``: runs
the queries under ``statement_timeout`` in savepoints of preflight's read-only transaction.
"""
