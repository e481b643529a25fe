"""CREATE [OR REPLACE] TRIGGER and DROP TRIGGER.

``CREATE OR REPLACE CONSTRAINT TRIGGER`` is refused by the grammar (0A000, reported at parse time).
Against an existing trigger of the same name on the same table, CreateTriggerFiringOn() refuses, in
order: a plain CREATE (42710), replacing an internal or a child (partition clone) trigger (42710),
replacing a constraint trigger (42710).
"""

from __future__ import annotations

from typing import Any

from pgwarden.preflight import dependencies, lookup
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.model import TRIGGER_OID, Trigger
from pgwarden.preflight.names import name_list, split_qualified, strings
from pgwarden.preflight.prediction import Prediction, Refusal, ok
from pgwarden.rules import Rule

_BEFORE, _INSTEAD, _TRUNCATE = 2, 64, 32


def _check_shape(stmt: Any, name: str, relkind: str) -> None:
    """CreateTriggerFiringOn()'s first checks: the relation's kind against the timing, then the shape of an
    INSTEAD OF or TRUNCATE trigger (42809, 0A000), before the function is looked up."""
    instead, row = stmt.timing == _INSTEAD, bool(stmt.row)
    truncate = bool(stmt.events & _TRUNCATE)
    kinds = (  # (refused, what the relation is, detail, fix)
        (
            relkind in ("r", "p") and instead,
            "a table",
            "Tables cannot have INSTEAD OF triggers.",
            "INSTEAD OF triggers are for views: use BEFORE or AFTER on a table",
        ),
        (
            relkind == "v" and not instead and row,
            "a view",
            "Views cannot have row-level BEFORE or AFTER triggers.",
            "use INSTEAD OF … FOR EACH ROW on a view, or a statement-level trigger",
        ),
        (relkind == "v" and truncate, "a view", "Views cannot have TRUNCATE triggers.", "drop the TRUNCATE event"),
        (
            relkind == "f" and instead,
            "a foreign table",
            "Foreign tables cannot have INSTEAD OF triggers.",
            "use BEFORE or AFTER",
        ),
    )
    for refused, what, detail, fix in kinds:
        if refused:
            raise Refusal(Rule.PREFLIGHT_TRIGGER_KIND, "42809", f'"{name}" is {what}', detail=detail, fix=fix)
    shapes = (  # (refused, message, fix)
        (
            truncate and row,
            "TRUNCATE FOR EACH ROW triggers are not supported",
            "make the TRUNCATE trigger FOR EACH STATEMENT",
        ),
        (instead and not row, "INSTEAD OF triggers must be FOR EACH ROW", "add FOR EACH ROW"),
        (
            instead and stmt.whenClause is not None,
            "INSTEAD OF triggers cannot have WHEN conditions",
            "drop the WHEN clause and test inside the function",
        ),
        (instead and bool(stmt.columns), "INSTEAD OF triggers cannot have column lists", "drop the column list"),
    )
    for refused, message, fix in shapes:
        if refused:
            raise Refusal(Rule.PREFLIGHT_TRIGGER_SHAPE, "0A000", message, fix=fix)


def create_trigger(stmt: Any, ctx: Ctx) -> Prediction:
    schema, table = lookup.rv(stmt.relation)
    rel = lookup.relation(schema, table, ctx)
    assert rel is not None
    _check_shape(stmt, rel.name, rel.relkind)
    fparts = strings(stmt.funcname)
    fschema, fname = split_qualified(fparts)
    ctx.schema_of(fschema)
    fn = None
    for s in [fschema] if fschema else ctx.state.effective_path():
        fn = ctx.state.routine(s, fname, ())
        if fn is not None:
            break
    if fn is None:
        raise Refusal(
            Rule.PREFLIGHT_MISSING,
            "42883",
            f"function {name_list(fparts)}() does not exist",
            fix="create the trigger function (with no arguments, RETURNS trigger) first",
        )
    if fn.rettype is not None and fn.rettype != TRIGGER_OID:
        raise Refusal(
            Rule.PREFLIGHT_TRIGGER_FUNCTION,
            "42P17",
            f"function {name_list(fparts)} must return type trigger",
            fix="the trigger function must be declared RETURNS trigger",
        )
    target = f"trigger {stmt.trigname} on {rel.schema}.{rel.name}"
    old = ctx.state.trigger(rel.schema, rel.name, stmt.trigname)
    if old is not None:
        if stmt.replace:
            ctx.state.act_on(old)
        facts = lookup.existing_facts(
            old,
            f"{stmt.trigname} on {rel.schema}.{rel.name}",
            internal=old.internal,
            child=old.child,
            constraint=old.constraint,
        )
        prefix = f'trigger "{stmt.trigname}" for relation "{rel.name}"'
        if not stmt.replace:
            raise Refusal(
                Rule.PREFLIGHT_EXISTS,
                "42710",
                f"{prefix} already exists",
                facts=facts,
                target=target,
                fix="use CREATE OR REPLACE TRIGGER (PostgreSQL 14+), or DROP TRIGGER first",
            )
        if old.internal or old.child:
            raise Refusal(
                Rule.PREFLIGHT_TRIGGER_INTERNAL_OR_CHILD,
                "42710",
                f"{prefix} is an internal or a child trigger",
                facts=facts,
                target=target,
                fix="replace the trigger on the partitioned parent table, not on the partition",
            )
        if old.constraint:
            raise Refusal(
                Rule.PREFLIGHT_TRIGGER_IS_CONSTRAINT,
                "42710",
                f"{prefix} is a constraint trigger",
                facts=facts,
                target=target,
                fix="DROP TRIGGER the constraint trigger first, then CREATE CONSTRAINT TRIGGER again",
            )
    ctx.state.put_trigger(
        Trigger(rel.schema, rel.name, stmt.trigname, False, False, bool(stmt.isconstraint), origin=ctx.origin)
    )
    return ok(target=target)


def drop_trigger(parts: tuple[str, ...], missing_ok: bool, ctx: Ctx, cascade: bool = False) -> Prediction:
    """DROP TRIGGER name ON table: the table, then the trigger."""
    *relparts, trig = parts
    schema, table = split_qualified(tuple(relparts))
    rel = lookup.relation(schema, table, ctx, missing_ok=missing_ok)
    if rel is None:
        return ok(note="table missing: skipped (IF EXISTS)")
    old = ctx.state.trigger(rel.schema, rel.name, trig)
    if old is None:
        if missing_ok:
            return ok(note="trigger missing: skipped (IF EXISTS)")
        raise Refusal(
            Rule.PREFLIGHT_MISSING,
            "42704",
            f'trigger "{trig}" for table "{rel.name}" does not exist',
            fix="use DROP TRIGGER IF EXISTS, or check the trigger and table names",
        )
    ctx.state.act_on(old)
    lookup.require_owner(rel, ctx, "relation")
    if old.origin == "live":
        dependencies.check_drop(ctx, "pg_trigger", old.oid, cascade=cascade)
    ctx.state.drop_trigger(old)
    return ok(target=f"trigger {trig} on {rel.schema}.{rel.name}")
