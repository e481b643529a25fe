"""The ledger room: the ``pgwarden`` schema in the target database (what was applied, by which run), the plan
that compares a package with it, the adoption of an imported project's history (baseline), and the ``status``
and ``resolve`` commands that read and settle it."""
