"""What each rule means and what to do about it: the long help of :class:`pgwarden.rules.Rule`, by rule id.

``pgwarden check --format sarif`` shows it as the rule's full description and help; ``Rule.X.help`` reads it.
A rule with no entry here shows its family's help (:class:`pgwarden.rules.Family`): most preflight refusals,
whose server message, SQLSTATE and HINT say the rest. Every key is a rule id (``tests/test_rules.py``). This
module imports nothing.
"""

from __future__ import annotations

HELP: dict[str, str] = {
    # -- the policy lint (offline) ----------------------------------------------------------------
    "policy.forbid": (
        "`[policy] forbid` in pgwarden.toml lists statement kinds (DROP TABLE, TRUNCATE, DROP SCHEMA, …) that no "
        "bundle may contain, also inside a DO block or a WITH query. Remove the statement, or make the destructive "
        "step a package of its own whose policy allows it. Rollback files are held to rollback.scope instead."
    ),
    "policy.forbid_calls": (
        "`[policy] forbid_calls` lists functions (with `*` matching any argument) that no bundle may call: "
        "statements, DO blocks and function bodies are searched. Only rollback-only probes may call them."
    ),
    "policy.protected_table": (
        "INSERT, UPDATE, DELETE, MERGE, TRUNCATE and COPY FROM on a protected table are refused everywhere but in "
        "rollback-only probes, whose transaction is always rolled back."
    ),
    "txn.control": (
        "Each bundle is one transaction that pgwarden opens and commits together with its ledger row. BEGIN, "
        "COMMIT, ROLLBACK or SAVEPOINT in a bundle would break that atomicity: remove it."
    ),
    "txn.non_transactional": (
        "CREATE INDEX CONCURRENTLY, VACUUM, ALTER SYSTEM, CREATE DATABASE and the like cannot run in a "
        "transaction. Put the statement alone in a bundle that declares `transaction = false`; the report marks "
        "that bundle non-atomic."
    ),
    "txn.single_statement": (
        "A bundle that runs outside a transaction must hold exactly one statement, so that a failure leaves it "
        "either applied or absent. Split it into one bundle per statement."
    ),
    "txn.unneeded": (
        "Nothing in the bundle needs to run outside a transaction. Drop `transaction = false` so the bundle and "
        "its ledger row commit together."
    ),
    "meta_command": (
        "pgwarden runs SQL through the server's protocol, not psql scripts: `\\set`, `\\i`, `\\connect` and the "
        "like are not SQL. Replace it with SQL, or with `[settings]` in pgwarden.toml."
    ),
    "lint.body_unparsed": (
        "The body's language is not one pgwarden parses, or it did not parse: the policy could not look inside "
        "it. Review it by hand; the rehearsal runs it."
    ),
    "lint.dynamic_sql": (
        "A statement built at run time is invisible to the policy lint. Prefer static SQL; otherwise review the "
        "strings it can build."
    ),
    "psql.copy_stdio": (
        "Only psql can stream data to or from COPY's standard input and output. Load the data with INSERT, or from "
        "a file the server can read."
    ),
    "probe.single_statement": (
        "A `[[probe]]` runs exactly one statement after its bundle, in a transaction that is always rolled back."
    ),
    "rollback.scope": (
        "A rollback may drop or revert only what its own bundle creates or changes (undoing its CREATE TABLE with "
        "DROP TABLE is allowed even where `[policy] forbid` refuses DROP TABLE). Anything else it drops is lost."
    ),
    "rollback.cascade": (
        "CASCADE also drops every object that depends on the one named, including objects the bundle did not "
        "create. Drop the dependants the bundle created by name instead."
    ),
    "rollback.empty": (
        'A bundle\'s rollback must undo it. If the bundle cannot be undone, say `rollback = "none"` with a '
        "reason in pgwarden.toml."
    ),
    "bundle.empty": "Remove the bundle or give it its statements.",
    "waiver.unused": "Remove the waiver, or correct its bundle or rule, so stale waivers do not pile up.",
    # -- lock impact and data checks (check --dsn) --------------------------------------------------
    "preflight.lock.rewrite": (
        "The statement rewrites a relation larger than `[policy] max_locked_bytes` while it holds the lock shown; "
        "queries on it wait until the bundle commits. Use the safer form the finding names, or split the change."
    ),
    "preflight.lock.scan": (
        "The statement reads every row of a relation larger than `[policy] max_locked_bytes` while it holds the "
        "lock shown. Use the safer form the finding names (CONCURRENTLY, NOT VALID + VALIDATE CONSTRAINT)."
    ),
    "preflight.lock_timeout": (
        "While the statement waits for its lock, every query on the table queues behind it. Set `[settings] "
        "lock_timeout` (apply retries a bundle that times out waiting, see `[apply] lock_retries`)."
    ),
    "preflight.data.not_null": (
        "Counted read-only on the target: SET NOT NULL or ADD PRIMARY KEY would fail with SQLSTATE 23502. "
        "Backfill or delete those rows first."
    ),
    "preflight.data.add_not_null": (
        "Every existing row would be NULL in the new column (SQLSTATE 23502). Give the column a default, or add it "
        "nullable, backfill, then SET NOT NULL."
    ),
    "preflight.data.check": (
        "Counted read-only on the target: ADD CONSTRAINT … CHECK would fail with SQLSTATE 23514. Fix the rows, or "
        "add the constraint NOT VALID and VALIDATE it after."
    ),
    "preflight.data.unique": (
        "Counted read-only on the target: ADD UNIQUE, ADD PRIMARY KEY or CREATE UNIQUE INDEX would fail with "
        "SQLSTATE 23505. Remove or merge the duplicates first."
    ),
    "preflight.data.foreign_key": (
        "Counted read-only on the target: ADD FOREIGN KEY would fail with SQLSTATE 23503. Fix the orphans, or add "
        "the key NOT VALID and VALIDATE it after."
    ),
    "preflight.data.cast": (
        "Every row was converted read-only as the rewrite would: the server's own error is shown. Clean the values "
        "or give a USING expression that converts them."
    ),
    # -- preflight: refusals predicted against the live catalog (check --dsn) ----------------------
    "preflight.unverified": (
        "Some part of the statement (a CHECK expression, a partition bound, a function body, syntax newer than the "
        "target) is beyond what preflight predicts. It is never reported as OK: the rehearsal covers it."
    ),
}
