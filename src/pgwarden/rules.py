"""The rule registry: every rule id a finding can carry, one row each, with its family, default severity and help.

A :class:`Rule` is a ``StrEnum`` whose value is the rule id (``"policy.forbid"``), so ``Finding.rule`` serialises
exactly as the id, compares equal to it, and ``.startswith("preflight")`` still works. Each row reads:

    MEMBER = "id", Family.X, default severity, "one line: what fired"

and what it means and what to do, the rule's help, is its entry in :mod:`pgwarden.rules_help`, by id. A rule
with none there shows its family's help (most preflight refusals: the server's own message, SQLSTATE and HINT
say the rest). A last ``False`` marks a rule no ``[[waiver]]`` can accept.
The member name is the id upper-cased with ``.`` and ``-`` as ``_``. The default severity is what the rule
usually reports; a finding may say otherwise (a likely but uncertain refusal is a warning, for one).

``[[waiver]] rule`` names a waivable rule id or a dotted prefix of one (``policy`` waives ``policy.forbid``,
``preflight.data`` every data check): :func:`waiver_names`. ``pgwarden check --format sarif`` describes each
rule from here (``pgwarden.cli.sarif``). This module imports nothing of pgwarden but its help texts: ``findings``
imports it (and re-exports :class:`Severity`, defined here because each rule has a default one).
"""

from __future__ import annotations

import difflib
from enum import StrEnum

from pgwarden.rules_help import HELP


class Severity(StrEnum):
    ERROR = "error"  # fails the check
    WARNING = "warning"  # reported only
    NOTE = "note"  # worth knowing, never a problem
    WAIVED = "waived"  # an error or warning a [[waiver]] of the package accepts, with its reason


_ERROR, _WARNING = Severity.ERROR, Severity.WARNING  # short names for the table below


class Family(StrEnum):
    """A group of rules: the value is the id prefix its rules share, with help for the group."""

    short: str
    help: str

    def __new__(cls, prefix: str, short: str, help: str) -> Family:
        obj = str.__new__(cls, prefix)
        obj._value_ = prefix
        obj.short = short
        obj.help = help
        return obj

    POLICY = (
        "policy",
        "A statement that the package's [policy] refuses",
        "The `[policy]` table of pgwarden.toml refuses it.",
    )
    TXN = (
        "txn",
        "A statement at odds with the bundle's transaction",
        "Each bundle is one transaction unless it declares `transaction = false`.",
    )
    META_COMMAND = (
        "meta_command",
        "A psql meta-command",
        "pgwarden runs SQL through the server's protocol, not psql scripts.",
    )
    PSQL = ("psql", "Something only psql can do", "pgwarden runs SQL through the server's protocol, not psql.")
    LINT = (
        "lint",
        "Something the policy lint could not see into",
        "The policy lint reads every statement, DO block and function body it can parse.",
    )
    PROBE = (
        "probe",
        "A rollback-only probe that cannot run as declared",
        "A `[[probe]]` runs one statement after its bundle, in a transaction that is always rolled back.",
    )
    ROLLBACK = (
        "rollback",
        "A rollback that does not undo exactly its bundle",
        "A rollback may drop or revert only what its own bundle creates or changes.",
    )
    BUNDLE = ("bundle", "A bundle that cannot run as declared", "Each bundle is one or more SQL statements.")
    PREFLIGHT = (
        "preflight",
        "A refusal PostgreSQL would make, predicted against the live catalog",
        "`pgwarden check --dsn` predicts, read-only, what the target server would refuse, with its SQLSTATE, "
        "message and HINT, the live facts behind it and a fix.",
    )
    DATA = (
        "preflight.data",
        "Rows on the target that would break the statement",
        "Counted read-only on the live target, as the server would count them.",
    )
    WAIVER = (
        "waiver",
        "A [[waiver]] of the package that is not needed",
        "A waiver names one bundle and one rule or family; it should match a finding.",
    )
    PGWARDEN = (
        "pgwarden",
        "pgwarden could not check the package",
        "Nothing was checked past this point; the message says what to fix. Every error names its file, "
        "line and column; `pgwarden check` lists them all.",
    )


_P, _D = Family.PREFLIGHT, Family.DATA


class Rule(StrEnum):
    """Every rule a finding can name. ``Rule.X`` where the finding is made; :func:`lookup` for an id read in."""

    family: Family
    severity: Severity
    short: str
    own_help: str
    waivable: bool

    def __new__(cls, rule_id: str, family: Family, severity: Severity, short: str, waivable: bool = True) -> Rule:
        obj = str.__new__(cls, rule_id)
        obj._value_ = rule_id
        obj.family, obj.severity, obj.short, obj.waivable = family, severity, short, waivable
        obj.own_help = HELP.get(rule_id, "")
        return obj

    @property
    def help(self) -> str:
        """What it means and what to do: the rule's own text (:mod:`pgwarden.rules_help`), else its family's."""
        return self.own_help or self.family.help

    # -- the policy lint (offline) ----------------------------------------------------------------
    POLICY_FORBID = ("policy.forbid", Family.POLICY, _ERROR, "A statement kind that [policy] forbid refuses")
    POLICY_FORBID_CALLS = ("policy.forbid_calls", Family.POLICY, _ERROR, "A call that [policy] forbid_calls refuses")
    POLICY_PROTECTED_TABLE = (
        "policy.protected_table",
        Family.POLICY,
        _ERROR,
        "A write to a table that [policy] protected_tables protects",
    )
    TXN_CONTROL = ("txn.control", Family.TXN, _ERROR, "Transaction control inside a bundle")
    TXN_NON_TRANSACTIONAL = (
        "txn.non_transactional",
        Family.TXN,
        _ERROR,
        "A statement that cannot run inside a transaction block",
    )
    TXN_SINGLE_STATEMENT = (
        "txn.single_statement",
        Family.TXN,
        _ERROR,
        "A transaction = false bundle with more than one statement",
    )
    TXN_UNNEEDED = (
        "txn.unneeded",
        Family.TXN,
        _WARNING,
        "transaction = false on a bundle that can run in a transaction",
    )
    META_COMMAND = ("meta_command", Family.META_COMMAND, _ERROR, "A psql meta-command")
    LINT_BODY_UNPARSED = ("lint.body_unparsed", Family.LINT, _ERROR, "A function or DO body that could not be searched")
    LINT_DYNAMIC_SQL = (
        "lint.dynamic_sql",
        Family.LINT,
        _WARNING,
        "Dynamic SQL (EXECUTE) that the policy cannot see into",
    )
    PSQL_COPY_STDIO = ("psql.copy_stdio", Family.PSQL, _ERROR, "COPY FROM STDIN or TO STDOUT")
    PROBE_SINGLE_STATEMENT = (
        "probe.single_statement",
        Family.PROBE,
        _ERROR,
        "A rollback-only probe that is not one statement",
    )
    ROLLBACK_SCOPE = (
        "rollback.scope",
        Family.ROLLBACK,
        _ERROR,
        "A rollback that drops or reverts what its bundle did not create",
    )
    ROLLBACK_CASCADE = ("rollback.cascade", Family.ROLLBACK, _WARNING, "DROP … CASCADE in a rollback")
    ROLLBACK_EMPTY = ("rollback.empty", Family.ROLLBACK, _ERROR, "A rollback file with no SQL statement")
    BUNDLE_EMPTY = ("bundle.empty", Family.BUNDLE, _ERROR, "A bundle file with no SQL statement")
    WAIVER_UNUSED = ("waiver.unused", Family.WAIVER, _WARNING, "A [[waiver]] that matches no finding", False)

    # -- lock impact and data checks (check --dsn) --------------------------------------------------
    PREFLIGHT_LOCK_REWRITE = (
        "preflight.lock.rewrite",
        _P,
        _ERROR,
        "A table rewrite under a heavy lock, above [policy] max_locked_bytes",
    )
    PREFLIGHT_LOCK_SCAN = (
        "preflight.lock.scan",
        _P,
        _ERROR,
        "A full scan under a heavy lock, above [policy] max_locked_bytes",
    )
    PREFLIGHT_LOCK_TIMEOUT = (
        "preflight.lock_timeout",
        _P,
        _WARNING,
        "ACCESS EXCLUSIVE on a non-empty table with no lock_timeout",
    )
    PREFLIGHT_DATA_NOT_NULL = (
        "preflight.data.not_null",
        _D,
        _ERROR,
        "Rows that are NULL where the statement requires NOT NULL",
    )
    PREFLIGHT_DATA_ADD_NOT_NULL = (
        "preflight.data.add_not_null",
        _D,
        _ERROR,
        "ADD COLUMN … NOT NULL without a default on a table that has rows",
    )
    PREFLIGHT_DATA_CHECK = ("preflight.data.check", _D, _ERROR, "Rows for which a new CHECK constraint is false")
    PREFLIGHT_DATA_UNIQUE = (
        "preflight.data.unique",
        _D,
        _ERROR,
        "Rows that share a key a new unique constraint or index requires to be unique",
    )
    PREFLIGHT_DATA_FOREIGN_KEY = (
        "preflight.data.foreign_key",
        _D,
        _ERROR,
        "Child rows with no parent for a new foreign key",
    )
    PREFLIGHT_DATA_CAST = ("preflight.data.cast", _D, _ERROR, "Rows that ALTER COLUMN … TYPE cannot convert")

    # -- preflight: refusals predicted against the live catalog (check --dsn) ----------------------
    PREFLIGHT_UNVERIFIED = ("preflight.unverified", _P, _WARNING, "A statement preflight could not judge in full")
    PREFLIGHT_SYNTAX = ("preflight.syntax", _P, _ERROR, "A statement PostgreSQL's parser rejects")
    PREFLIGHT_TRANSACTION_BLOCK = (
        "preflight.transaction_block",
        _P,
        _ERROR,
        "A statement that cannot run inside a transaction block (SQLSTATE 25001)",
    )
    PREFLIGHT_MISSING = ("preflight.missing", _P, _ERROR, "An object the statement needs does not exist on the target")
    PREFLIGHT_EXISTS = ("preflight.exists", _P, _ERROR, "An object the statement creates already exists on the target")
    PREFLIGHT_WRONG_KIND = ("preflight.wrong_kind", _P, _ERROR, "An object of another kind than the statement expects")
    PREFLIGHT_PERMISSION = (
        "preflight.permission",
        _P,
        _ERROR,
        "The applying role lacks a privilege or the ownership the statement needs",
    )
    PREFLIGHT_AMBIGUOUS = ("preflight.ambiguous", _P, _ERROR, "A name that matches more than one object")
    PREFLIGHT_QUERY = ("preflight.query", _P, _ERROR, "A query the server rejects against the live catalog")
    PREFLIGHT_DEPENDENTS = (
        "preflight.dependents",
        _P,
        _ERROR,
        "Other objects depend on what the statement drops or changes",
    )
    PREFLIGHT_COLUMN_MISSING = ("preflight.column_missing", _P, _ERROR, "A column the statement names does not exist")
    PREFLIGHT_COLUMN_EXISTS = ("preflight.column_exists", _P, _ERROR, "A column the statement adds already exists")
    PREFLIGHT_COLUMN_PSEUDO_TYPE = ("preflight.column.pseudo_type", _P, _ERROR, "A column declared with a pseudo-type")
    PREFLIGHT_SYSTEM_COLUMN = (
        "preflight.system_column",
        _P,
        _ERROR,
        "A column that clashes with, or drops, a system column",
    )
    PREFLIGHT_TYPE_MISSING = ("preflight.type.missing", _P, _ERROR, "A data type the statement names does not exist")
    PREFLIGHT_COLLATION = ("preflight.collation", _P, _ERROR, "A collation the target database does not have")
    PREFLIGHT_SEQUENCE = ("preflight.sequence", _P, _ERROR, "Sequence options the server rejects")
    PREFLIGHT_CREATE_INVALID = (
        "preflight.create.invalid",
        _P,
        _ERROR,
        "A CREATE the server rejects as invalid (a type, a default, an option)",
    )
    PREFLIGHT_BODY_SYNTAX = ("preflight.body.syntax", _P, _ERROR, "A function body its language's parser rejects")
    PREFLIGHT_EXTENSION_UNAVAILABLE = (
        "preflight.extension.unavailable",
        _P,
        _ERROR,
        "An extension whose files are not installed on the database server",
    )
    PREFLIGHT_FK_ARITY = ("preflight.fk.arity", _P, _ERROR, "A foreign key whose column counts disagree")
    PREFLIGHT_FK_COLUMN_MISSING = (
        "preflight.fk.column_missing",
        _P,
        _ERROR,
        "A foreign key column that does not exist",
    )
    PREFLIGHT_FK_NO_PRIMARY_KEY = (
        "preflight.fk.no_primary_key",
        _P,
        _ERROR,
        "A foreign key to a table that has no primary key",
    )
    PREFLIGHT_FK_NO_UNIQUE_KEY = (
        "preflight.fk.no_unique_key",
        _P,
        _ERROR,
        "A foreign key with no matching unique constraint on the referenced table",
    )
    PREFLIGHT_FK_SYSTEM_COLUMN = ("preflight.fk.system_column", _P, _ERROR, "A foreign key on a system column")
    PREFLIGHT_AGGREGATE_DIRECT_ARGS = (
        "preflight.aggregate.direct_args",
        _P,
        _ERROR,
        "A replaced aggregate that changes its number of direct arguments",
    )
    PREFLIGHT_AGGREGATE_KIND_CHANGED = (
        "preflight.aggregate.kind_changed",
        _P,
        _ERROR,
        "A replaced aggregate that changes its kind (ordered-set, hypothetical)",
    )
    PREFLIGHT_AGGREGATE_SUPPORT_MISSING = (
        "preflight.aggregate.support_missing",
        _P,
        _ERROR,
        "An aggregate support function that does not exist with those types",
    )
    PREFLIGHT_REPLACE_NOT_OWNER = (
        "preflight.replace.not_owner",
        _P,
        _ERROR,
        "CREATE OR REPLACE of a routine the applying role does not own",
    )
    PREFLIGHT_REPLACE_KIND_CHANGED = (
        "preflight.replace.kind_changed",
        _P,
        _ERROR,
        "CREATE OR REPLACE that turns a function into a procedure, or back",
    )
    PREFLIGHT_REPLACE_RETURN_TYPE = (
        "preflight.replace.return_type",
        _P,
        _ERROR,
        "CREATE OR REPLACE that changes a routine's return type",
    )
    PREFLIGHT_REPLACE_OUT_ROW_TYPE = (
        "preflight.replace.out_row_type",
        _P,
        _ERROR,
        "CREATE OR REPLACE that changes the row type its OUT parameters define",
    )
    PREFLIGHT_REPLACE_PARAM_RENAMED = (
        "preflight.replace.param_renamed",
        _P,
        _ERROR,
        "CREATE OR REPLACE that renames an input parameter",
    )
    PREFLIGHT_REPLACE_DEFAULTS_REMOVED = (
        "preflight.replace.defaults_removed",
        _P,
        _ERROR,
        "CREATE OR REPLACE that removes parameter defaults",
    )
    PREFLIGHT_REPLACE_DEFAULT_TYPE = (
        "preflight.replace.default_type",
        _P,
        _ERROR,
        "CREATE OR REPLACE that changes the type of a parameter's default",
    )
    PREFLIGHT_TRIGGER_KIND = (
        "preflight.trigger.kind",
        _P,
        _ERROR,
        "A trigger on a kind of relation that cannot have it",
    )
    PREFLIGHT_TRIGGER_SHAPE = (
        "preflight.trigger.shape",
        _P,
        _ERROR,
        "A trigger whose timing, level or options PostgreSQL does not support",
    )
    PREFLIGHT_TRIGGER_FUNCTION = (
        "preflight.trigger.function",
        _P,
        _ERROR,
        "A trigger function that does not return type trigger",
    )
    PREFLIGHT_TRIGGER_INTERNAL_OR_CHILD = (
        "preflight.trigger.internal_or_child",
        _P,
        _ERROR,
        "CREATE OR REPLACE TRIGGER over an internal or a partition's trigger",
    )
    PREFLIGHT_TRIGGER_IS_CONSTRAINT = (
        "preflight.trigger.is_constraint",
        _P,
        _ERROR,
        "CREATE OR REPLACE TRIGGER over a constraint trigger",
    )
    PREFLIGHT_VIEW_NOT_A_VIEW = (
        "preflight.view.not_a_view",
        _P,
        _ERROR,
        "CREATE OR REPLACE VIEW over a relation that is not a view",
    )
    PREFLIGHT_VIEW_OPTION = ("preflight.view.option", _P, _ERROR, "A view option PostgreSQL does not accept")
    PREFLIGHT_VIEW_COLUMNS_DROPPED = (
        "preflight.view.columns_dropped",
        _P,
        _ERROR,
        "CREATE OR REPLACE VIEW that drops columns",
    )
    PREFLIGHT_VIEW_COLUMN_RENAMED = (
        "preflight.view.column_renamed",
        _P,
        _ERROR,
        "CREATE OR REPLACE VIEW that renames a column",
    )
    PREFLIGHT_VIEW_COLUMN_TYPE = (
        "preflight.view.column_type",
        _P,
        _ERROR,
        "CREATE OR REPLACE VIEW that changes a column's type",
    )
    PREFLIGHT_VIEW_COLUMN_COLLATION = (
        "preflight.view.column_collation",
        _P,
        _ERROR,
        "CREATE OR REPLACE VIEW that changes a column's collation",
    )

    # -- a check that could not run (SARIF's result for exit 1, 2, 3, 130: ``pgwarden.<category>``) ----
    PGWARDEN_FAIL = ("pgwarden.fail", Family.PGWARDEN, _ERROR, "pgwarden could not check the package", False)
    PGWARDEN_BAD_INPUT = (
        "pgwarden.bad-input",
        Family.PGWARDEN,
        _ERROR,
        "Bad input: the package, a file it names or the command line (exit 2)",
        False,
    )
    PGWARDEN_ENVIRONMENT = (
        "pgwarden.environment",
        Family.PGWARDEN,
        _ERROR,
        "The environment stopped the check: the server, a tool, the disk (exit 3)",
        False,
    )
    PGWARDEN_INTERRUPTED = (
        "pgwarden.interrupted",
        Family.PGWARDEN,
        _ERROR,
        "The check was interrupted by a signal (exit 130)",
        False,
    )


_BY_ID: dict[str, Rule] = {r.value: r for r in Rule}


def lookup(rule_id: str) -> Rule:
    """The rule whose id is ``rule_id`` (as read from a file); :class:`ValueError` for an id no rule has."""
    try:
        return _BY_ID[rule_id]
    except KeyError:
        raise ValueError(f"unknown rule id {rule_id!r}") from None


def for_error(category: str) -> Rule:
    """The ``pgwarden.<category>`` rule of a :class:`~pgwarden.errors.PgwardenError` (SARIF, GitHub)."""
    return lookup(f"pgwarden.{category}")


def waiver_names() -> frozenset[str]:
    """What ``[[waiver]] rule`` may say: a waivable rule's id or any dotted prefix of it (``preflight.data``)."""
    out: set[str] = set()
    for r in Rule:
        if r.waivable:
            parts = r.value.split(".")
            out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return frozenset(out)


def close_waiver_names(name: str) -> list[str]:
    """The waiver names closest to a misspelt ``name``, best first (for the error message)."""
    return difflib.get_close_matches(name, sorted(waiver_names()), n=3, cutoff=0.6)
