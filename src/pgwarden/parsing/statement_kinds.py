"""Statement kinds: the names an operator writes in ``[policy] forbid`` and reads in the report.

Each statement has a primary kind ("CREATE TABLE", "DROP TABLE", "ALTER TABLE" …) and may have more
specific aliases ("DROP COLUMN", "CREATE INDEX CONCURRENTLY", "CREATE FUNCTION" for a CREATE OR
REPLACE FUNCTION). ``forbid`` matches any of them. Kinds come from the AST node and its subtype,
never from the statement's text.
"""

from __future__ import annotations

from typing import Any

from pgwarden.parsing.walk import option_flag

_SIMPLE: dict[str, str] = {
    "InsertStmt": "INSERT",
    "UpdateStmt": "UPDATE",
    "DeleteStmt": "DELETE",
    "MergeStmt": "MERGE",
    "TruncateStmt": "TRUNCATE",
    "CreateStmt": "CREATE TABLE",
    "CreateForeignTableStmt": "CREATE FOREIGN TABLE",
    "CreateSeqStmt": "CREATE SEQUENCE",
    "AlterSeqStmt": "ALTER SEQUENCE",
    "CreateSchemaStmt": "CREATE SCHEMA",
    "CreateEnumStmt": "CREATE TYPE",
    "CompositeTypeStmt": "CREATE TYPE",
    "CreateRangeStmt": "CREATE TYPE",
    "CreateDomainStmt": "CREATE DOMAIN",
    "AlterDomainStmt": "ALTER DOMAIN",
    "AlterEnumStmt": "ALTER TYPE",
    "AlterTypeStmt": "ALTER TYPE",
    "CreateExtensionStmt": "CREATE EXTENSION",
    "AlterExtensionStmt": "ALTER EXTENSION",
    "AlterExtensionContentsStmt": "ALTER EXTENSION",
    "CreatePolicyStmt": "CREATE POLICY",
    "AlterPolicyStmt": "ALTER POLICY",
    "RuleStmt": "CREATE RULE",
    "AlterRoleStmt": "ALTER ROLE",
    "AlterRoleSetStmt": "ALTER ROLE",
    "DropRoleStmt": "DROP ROLE",
    "AlterDefaultPrivilegesStmt": "ALTER DEFAULT PRIVILEGES",
    "CommentStmt": "COMMENT",
    "SecLabelStmt": "SECURITY LABEL",
    "DoStmt": "DO",
    "CallStmt": "CALL",
    "VariableShowStmt": "SHOW",
    "LockStmt": "LOCK",
    "ClusterStmt": "CLUSTER",
    "ReindexStmt": "REINDEX",
    "AlterSystemStmt": "ALTER SYSTEM",
    "CreatedbStmt": "CREATE DATABASE",
    "DropdbStmt": "DROP DATABASE",
    "AlterDatabaseStmt": "ALTER DATABASE",
    "AlterDatabaseSetStmt": "ALTER DATABASE",
    "AlterDatabaseRefreshCollStmt": "ALTER DATABASE",
    "CreateTableSpaceStmt": "CREATE TABLESPACE",
    "DropTableSpaceStmt": "DROP TABLESPACE",
    "AlterTableSpaceOptionsStmt": "ALTER TABLESPACE",
    "RefreshMatViewStmt": "REFRESH MATERIALIZED VIEW",
    "DiscardStmt": "DISCARD",
    "NotifyStmt": "NOTIFY",
    "ListenStmt": "LISTEN",
    "UnlistenStmt": "UNLISTEN",
    "LoadStmt": "LOAD",
    "CheckPointStmt": "CHECKPOINT",
    "ExplainStmt": "EXPLAIN",
    "PrepareStmt": "PREPARE",
    "ExecuteStmt": "EXECUTE",
    "DeallocateStmt": "DEALLOCATE",
    "DeclareCursorStmt": "DECLARE",
    "FetchStmt": "FETCH",
    "ClosePortalStmt": "CLOSE",
    "CreateCastStmt": "CREATE CAST",
    "CreateConversionStmt": "CREATE CONVERSION",
    "CreateOpClassStmt": "CREATE OPERATOR CLASS",
    "CreateOpFamilyStmt": "CREATE OPERATOR FAMILY",
    "AlterOpFamilyStmt": "ALTER OPERATOR FAMILY",
    "CreateFdwStmt": "CREATE FOREIGN DATA WRAPPER",
    "AlterFdwStmt": "ALTER FOREIGN DATA WRAPPER",
    "CreateForeignServerStmt": "CREATE SERVER",
    "AlterForeignServerStmt": "ALTER SERVER",
    "CreateUserMappingStmt": "CREATE USER MAPPING",
    "AlterUserMappingStmt": "ALTER USER MAPPING",
    "DropUserMappingStmt": "DROP USER MAPPING",
    "ImportForeignSchemaStmt": "IMPORT FOREIGN SCHEMA",
    "CreatePublicationStmt": "CREATE PUBLICATION",
    "AlterPublicationStmt": "ALTER PUBLICATION",
    "CreateSubscriptionStmt": "CREATE SUBSCRIPTION",
    "AlterSubscriptionStmt": "ALTER SUBSCRIPTION",
    "DropSubscriptionStmt": "DROP SUBSCRIPTION",
    "CreateEventTrigStmt": "CREATE EVENT TRIGGER",
    "AlterEventTrigStmt": "ALTER EVENT TRIGGER",
    "CreateStatsStmt": "CREATE STATISTICS",
    "AlterStatsStmt": "ALTER STATISTICS",
    "CreateTransformStmt": "CREATE TRANSFORM",
    "CreateAmStmt": "CREATE ACCESS METHOD",
    "CreatePLangStmt": "CREATE LANGUAGE",
    "AlterCollationStmt": "ALTER COLLATION",
    "AlterTSDictionaryStmt": "ALTER TEXT SEARCH DICTIONARY",
    "AlterTSConfigurationStmt": "ALTER TEXT SEARCH CONFIGURATION",
    "DropOwnedStmt": "DROP OWNED",
    "ReassignOwnedStmt": "REASSIGN OWNED",
    "ConstraintsSetStmt": "SET CONSTRAINTS",
    "AlterOperatorStmt": "ALTER OPERATOR",
    "AlterTableMoveAllStmt": "ALTER TABLE",
    "AlterObjectDependsStmt": "ALTER EXTENSION",
    "CreateTrigStmt": "CREATE TRIGGER",
}

_TXN = {
    "TRANS_STMT_BEGIN": "BEGIN",
    "TRANS_STMT_START": "START TRANSACTION",
    "TRANS_STMT_COMMIT": "COMMIT",
    "TRANS_STMT_ROLLBACK": "ROLLBACK",
    "TRANS_STMT_SAVEPOINT": "SAVEPOINT",
    "TRANS_STMT_RELEASE": "RELEASE",
    "TRANS_STMT_ROLLBACK_TO": "ROLLBACK TO SAVEPOINT",
    "TRANS_STMT_PREPARE": "PREPARE TRANSACTION",
    "TRANS_STMT_COMMIT_PREPARED": "COMMIT PREPARED",
    "TRANS_STMT_ROLLBACK_PREPARED": "ROLLBACK PREPARED",
}

_OBJ_OVERRIDES = {
    "MATVIEW": "MATERIALIZED VIEW",
    "FDW": "FOREIGN DATA WRAPPER",
    "FOREIGN_SERVER": "SERVER",
    "STATISTIC_EXT": "STATISTICS",
    "TSCONFIGURATION": "TEXT SEARCH CONFIGURATION",
    "TSDICTIONARY": "TEXT SEARCH DICTIONARY",
    "TSPARSER": "TEXT SEARCH PARSER",
    "TSTEMPLATE": "TEXT SEARCH TEMPLATE",
    "OPCLASS": "OPERATOR CLASS",
    "OPFAMILY": "OPERATOR FAMILY",
    "TABCONSTRAINT": "CONSTRAINT",
    "DOMCONSTRAINT": "CONSTRAINT",
    "LARGEOBJECT": "LARGE OBJECT",
}

_AT_SUBKINDS = {
    "AT_AddColumn": "ADD COLUMN",
    "AT_DropColumn": "DROP COLUMN",
    "AT_AddConstraint": "ADD CONSTRAINT",
    "AT_DropConstraint": "DROP CONSTRAINT",
    "AT_AlterColumnType": "ALTER COLUMN TYPE",
    "AT_SetNotNull": "SET NOT NULL",
    "AT_DropNotNull": "DROP NOT NULL",
    "AT_ColumnDefault": "SET DEFAULT",
    "AT_AttachPartition": "ATTACH PARTITION",
    "AT_DetachPartition": "DETACH PARTITION",
    "AT_DisableTrig": "DISABLE TRIGGER",
    "AT_DisableTrigAll": "DISABLE TRIGGER",
    "AT_DisableTrigUser": "DISABLE TRIGGER",
    "AT_EnableTrig": "ENABLE TRIGGER",
    "AT_DisableRowSecurity": "DISABLE ROW LEVEL SECURITY",
    "AT_EnableRowSecurity": "ENABLE ROW LEVEL SECURITY",
    "AT_NoForceRowSecurity": "NO FORCE ROW LEVEL SECURITY",
    "AT_SetUnLogged": "SET UNLOGGED",
    "AT_ChangeOwner": "OWNER TO",
    "AT_SetTableSpace": "SET TABLESPACE",
    "AT_DropIdentity": "DROP IDENTITY",
    "AT_DropExpression": "DROP EXPRESSION",
    "AT_DropInherit": "NO INHERIT",
    "AT_ValidateConstraint": "VALIDATE CONSTRAINT",
    "AT_ReplicaIdentity": "REPLICA IDENTITY",
}

OBJECT_NAMES = tuple(
    _OBJ_OVERRIDES.get(n, n.replace("_", " "))
    for n in (
        "TABLE",
        "VIEW",
        "MATVIEW",
        "INDEX",
        "SEQUENCE",
        "FOREIGN_TABLE",
        "SCHEMA",
        "FUNCTION",
        "PROCEDURE",
        "ROUTINE",
        "AGGREGATE",
        "OPERATOR",
        "TYPE",
        "DOMAIN",
        "TRIGGER",
        "RULE",
        "POLICY",
        "EXTENSION",
        "COLLATION",
        "CONVERSION",
        "CAST",
        "EVENT_TRIGGER",
        "FDW",
        "FOREIGN_SERVER",
        "PUBLICATION",
        "STATISTIC_EXT",
        "TSCONFIGURATION",
        "TSDICTIONARY",
        "TSPARSER",
        "TSTEMPLATE",
        "LANGUAGE",
        "ACCESS_METHOD",
        "OPCLASS",
        "OPFAMILY",
        "TRANSFORM",
    )
)


def object_name(objtype: Any) -> str:
    """``ObjectType.OBJECT_MATVIEW`` -> "MATERIALIZED VIEW"."""
    n = getattr(objtype, "name", str(objtype)).removeprefix("OBJECT_")
    return _OBJ_OVERRIDES.get(n, n.replace("_", " "))


def _ename(v: Any) -> str:
    return getattr(v, "name", "") or ""


def statement_kinds(node: Any) -> tuple[str, ...]:
    """(primary kind, aliases…) of one statement node."""
    cls = type(node).__name__
    if cls in (
        "SelectStmt",
        "ViewStmt",
        "CreateTableAsStmt",
        "CreateFunctionStmt",
        "IndexStmt",
        "DropStmt",
        "AlterTableStmt",
        "GrantStmt",
        "GrantRoleStmt",
        "CopyStmt",
        "VacuumStmt",
        "TransactionStmt",
        "VariableSetStmt",
        "CreateRoleStmt",
        "DefineStmt",
        "RenameStmt",
        "AlterObjectSchemaStmt",
        "AlterOwnerStmt",
        "AlterFunctionStmt",
        "AlterEnumStmt",
        "CreateTrigStmt",
        "ReindexStmt",
    ):
        return _special(cls, node)
    if cls in _SIMPLE:
        return (_SIMPLE[cls],)
    return (cls.removesuffix("Stmt").upper(),)


def _special(cls: str, node: Any) -> tuple[str, ...]:
    if cls == "SelectStmt":
        return ("SELECT INTO", "CREATE TABLE AS") if node.intoClause else ("SELECT",)
    if cls == "ViewStmt":
        return ("CREATE OR REPLACE VIEW", "CREATE VIEW") if node.replace else ("CREATE VIEW",)
    if cls == "CreateTableAsStmt":
        if _ename(node.objtype) == "OBJECT_MATVIEW":
            return ("CREATE MATERIALIZED VIEW",)
        return ("CREATE TABLE AS",)
    if cls == "CreateFunctionStmt":
        what = "PROCEDURE" if node.is_procedure else "FUNCTION"
        return (f"CREATE OR REPLACE {what}", f"CREATE {what}") if node.replace else (f"CREATE {what}",)
    if cls == "CreateTrigStmt":
        return ("CREATE OR REPLACE TRIGGER", "CREATE TRIGGER") if node.replace else ("CREATE TRIGGER",)
    if cls == "IndexStmt":
        kinds = ["CREATE INDEX"]
        if node.unique:
            kinds.append("CREATE UNIQUE INDEX")
        if node.concurrent:
            kinds.append("CREATE INDEX CONCURRENTLY")
        return tuple(kinds)
    if cls == "ReindexStmt":
        conc = bool(option_flag(node.params, "concurrently"))
        return ("REINDEX", "REINDEX CONCURRENTLY") if conc else ("REINDEX",)
    if cls == "DropStmt":
        base = f"DROP {object_name(node.removeType)}"
        return (base, f"{base} CONCURRENTLY") if node.concurrent else (base,)
    if cls == "AlterTableStmt":
        base = f"ALTER {object_name(node.objtype)}"
        subs = []
        for cmd in node.cmds or ():
            sub = _AT_SUBKINDS.get(_ename(cmd.subtype))
            if sub and sub not in subs:
                subs.append(sub)
        return (base, *subs)
    if cls == "GrantStmt":
        return ("GRANT",) if node.is_grant else ("REVOKE",)
    if cls == "GrantRoleStmt":
        return ("GRANT", "GRANT ROLE") if node.is_grant else ("REVOKE", "REVOKE ROLE")
    if cls == "CopyStmt":
        return ("COPY FROM", "COPY") if node.is_from else ("COPY TO", "COPY")
    if cls == "VacuumStmt":
        return ("VACUUM",) if node.is_vacuumcmd else ("ANALYZE",)
    if cls == "TransactionStmt":
        return (_TXN.get(_ename(node.kind), "TRANSACTION"),)
    if cls == "VariableSetStmt":
        return ("RESET",) if _ename(node.kind).startswith("VAR_RESET") else ("SET",)
    if cls == "CreateRoleStmt":
        t = _ename(node.stmt_type)
        return (
            ("CREATE ROLE", "CREATE USER")
            if t == "ROLESTMT_USER"
            else ("CREATE ROLE", "CREATE GROUP")
            if t == "ROLESTMT_GROUP"
            else ("CREATE ROLE",)
        )
    if cls == "DefineStmt":
        return (f"CREATE {object_name(node.kind)}",)
    if cls == "RenameStmt":
        return (f"ALTER {object_name(node.renameType)}", "RENAME")
    if cls == "AlterObjectSchemaStmt":
        return (f"ALTER {object_name(node.objectType)}", "SET SCHEMA")
    if cls == "AlterOwnerStmt":
        return (f"ALTER {object_name(node.objectType)}", "OWNER TO")
    if cls == "AlterFunctionStmt":
        return (f"ALTER {object_name(node.objtype)}",)
    if cls == "AlterEnumStmt":
        return ("ALTER TYPE", "ALTER TYPE ADD VALUE") if node.newVal and not node.oldVal else ("ALTER TYPE",)
    return (cls.removesuffix("Stmt").upper(),)  # pragma: no cover


def _known() -> frozenset[str]:
    kinds = set(_SIMPLE.values()) | set(_TXN.values()) | set(_AT_SUBKINDS.values())
    kinds |= {f"DROP {o}" for o in OBJECT_NAMES} | {f"ALTER {o}" for o in OBJECT_NAMES}
    kinds |= {f"CREATE {o}" for o in OBJECT_NAMES} | {
        f"CREATE OR REPLACE {o}" for o in ("VIEW", "FUNCTION", "PROCEDURE", "TRIGGER")
    }
    kinds |= {
        "SELECT",
        "SELECT INTO",
        "CREATE TABLE AS",
        "CREATE MATERIALIZED VIEW",
        "CREATE UNIQUE INDEX",
        "CREATE INDEX CONCURRENTLY",
        "DROP INDEX CONCURRENTLY",
        "REINDEX CONCURRENTLY",
        "GRANT",
        "REVOKE",
        "GRANT ROLE",
        "REVOKE ROLE",
        "COPY",
        "COPY FROM",
        "COPY TO",
        "VACUUM",
        "ANALYZE",
        "SET",
        "RESET",
        "CREATE ROLE",
        "CREATE USER",
        "CREATE GROUP",
        "RENAME",
        "SET SCHEMA",
        "OWNER TO",
        "ALTER TYPE ADD VALUE",
        "ALTER ROLE",
        "DROP ROLE",
    }
    return frozenset(kinds)


KNOWN_KINDS = _known()


def normalize_kind(text: str) -> str:
    return " ".join(text.upper().split())
