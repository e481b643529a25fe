"""Lock impact: for every statement, the lock it takes on which relation, whether it rewrites or scans that
relation under the lock, the relation's live size, and the safer form where one exists.

``modes``: PostgreSQL's eight table lock modes. ``rules`` and ``alter_table``: the lock table, per
command and ALTER TABLE subcommand, each entry citing its source. ``sizes``: the live sizes, in one
query. ``grade``: findings graded by size against ``[policy] max_locked_bytes``. ``report``: the table
per bundle in SUMMARY.md.
"""
