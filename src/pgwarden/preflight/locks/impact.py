"""What one statement does to one relation: the lock, the work under it, and the safer form."""

from __future__ import annotations

from dataclasses import dataclass, replace

from pgwarden.preflight.locks.modes import LockMode, Work

# Where each entry of the lock table comes from (cited by every rule that uses it).
SRC_LOCKING = "docs: explicit-locking.html, Table 13.2 and 'Table-Level Lock Modes'"
SRC_ALTER = "tablecmds.c AlterTableGetLockLevel(); docs: sql-altertable.html"
SRC_ADD_COLUMN = (
    "tablecmds.c ATExecAddColumn() (a volatile default, identity or stored generated column sets "
    "AT_REWRITE_DEFAULT_VAL); docs: sql-altertable.html Notes"
)
SRC_TYPE = "tablecmds.c ATColumnChangeRequiresRewrite(); docs: sql-altertable.html Notes ('binary coercible')"
SRC_NOT_NULL = "tablecmds.c NotNullImpliedByRelConstraints(): a valid CHECK (col IS NOT NULL) skips the scan"
SRC_FK = "tablecmds.c ATAddForeignKeyConstraint(): ShareRowExclusiveLock on the referenced table too"
SRC_INDEX = "docs: sql-createindex.html ('Building Indexes Concurrently'), indexcmds.c DefineIndex()"
SRC_DROP_INDEX = "docs: sql-dropindex.html (ACCESS EXCLUSIVE on the table; CONCURRENTLY: SHARE UPDATE EXCLUSIVE)"


@dataclass(frozen=True)
class LockImpact:
    """One relation a statement locks."""

    schema: str
    name: str
    oid: int | None  # live relation; None: the package creates it
    relkind: str
    mode: LockMode
    work: Work = Work.NONE
    new_storage: bool = False  # the relation gets a new relfilenode (a rewrite, TRUNCATE, SET TABLESPACE)
    what: str = ""  # the command or subcommand, e.g. "SET NOT NULL"
    safer: str | None = None  # the form that locks less, where one exists
    source: str = SRC_LOCKING
    certain: bool = True  # False: the rewrite could not be worked out (a type the package creates)

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"


def merge(impacts: list[LockImpact]) -> list[LockImpact]:
    """One entry per relation: the strongest lock, the heaviest work, every subcommand named once."""
    out: dict[tuple[str, str], LockImpact] = {}
    for i in impacts:
        key = (i.schema, i.name)
        had = out.get(key)
        if had is None:
            out[key] = i
            continue
        whats = had.what.split(", ")
        out[key] = replace(
            had,
            mode=max(had.mode, i.mode, key=lambda m: m.rank),
            work=max(had.work, i.work, key=lambda w: w.rank),
            new_storage=had.new_storage or i.new_storage,
            what=", ".join([*whats, *(w for w in [i.what] if w and w not in whats)]),
            safer="; ".join(s for s in dict.fromkeys([had.safer, i.safer]) if s) or None,
            source=had.source if i.source in had.source else f"{had.source}; {i.source}",
            certain=had.certain and i.certain,
        )
    return list(out.values())
