"""Dependencies: what a DROP without CASCADE, a DROP COLUMN or DROP CONSTRAINT, or an ALTER COLUMN TYPE
would trip over (2BP01, 0A000), read from the live ``pg_depend`` the way the server walks it.

A rollback file that drops a parent table before its children fails exactly this way. Objects that the
package itself dropped earlier no longer block; when it is unclear whether they did (a DO block, a
CASCADE, a routine dropped by name), the refusal is reported as likely, not certain.
"""

from __future__ import annotations

from typing import Any

from pgwarden import shipped_sql
from pgwarden.preflight.context import Ctx
from pgwarden.preflight.prediction import Refusal
from pgwarden.rules import Rule

HINT = "Use DROP ... CASCADE to drop the dependent objects too."


# Each query's descriptions, and the (classid, objid, objsubid) columns of what they describe (None: 0).
_DESCRIBED: dict[str, dict[str, tuple[str, str, str | None]]] = {
    "dependents": {
        "description": ("classid", "objid", "objsubid"),
        "owner_description": ("owner_classid", "owner_objid", None),
    },
    "internal_owner": {
        "target": ("t_classid", "t_objid", "t_objsubid"),
        "owner": ("o_classid", "o_objid", "o_objsubid"),
    },
    "column_rules": {"dependent": ("d_classid", "d_objid", "d_objsubid")},
}


def _rows(ctx: Ctx, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The catalog query's rows (under pgwarden's pinned path), each object described as the server will name it
    in its message: under the statement's search_path (:meth:`Resolver.describe_objects`)."""
    cur = ctx.resolver.cur
    cur.execute(shipped_sql.load("pgwarden.preflight", f"{name}.sql"), params)
    rows = [dict(r) for r in cur.fetchall()]
    wanted = [
        (r, col, (r[c], r[o], r[s] if s else 0))
        for r in rows
        for col, (c, o, s) in _DESCRIBED[name].items()
        if r.get(o) is not None
    ]
    for (r, col, _ids), text in zip(wanted, ctx.resolver.describe_objects([w[2] for w in wanted]), strict=True):
        r[col] = text
    return rows


def _gone(row: dict[str, Any], ctx: Ctx) -> bool | None:
    """True: the package already dropped (or replaced) what the blocker belongs to; None: cannot tell."""
    state = ctx.state
    if row.get("rel_schema"):
        for key in ((row["rel_schema"], row["rel_name"]), (row.get("root_schema"), row.get("root_name"))):
            if key[0] and key in state.relations:  # the relation, or the partitioned table it is a partition of
                rel = state.relations[key]
                if rel is None or rel.origin != "live":
                    return True
        return False
    if row.get("proc_schema"):
        over = state.routines.get((row["proc_schema"], row["proc_name"]), {})
        return None if any(r is None for r in over.values()) else False
    return False


def _walk(rows: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """The server's report, breadth-first from the target: each object a CASCADE would drop through a normal
    dependency, once, as "<object> depends on <what it was reached from>". An object owned internally by
    another (a view's _RETURN rule) is reported as its owner, and the walk goes on from that owner."""
    target = rows[0]
    key = (target["classid"], target["objid"])
    desc = {key: target["description"]}
    by_ref: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for r in rows[1:]:
        by_ref.setdefault((r["refclassid"], r["refobjid"]), []).append(r)
    silent = {key}  # what goes with the target itself: its auto, internal and partition dependents
    stack = [key]
    while stack:
        for r in by_ref.get(stack.pop(), []):
            k = (r["classid"], r["objid"])
            if r["deptype"] != "n" and k not in silent:
                silent.add(k)
                stack.append(k)
    seen = {key}
    queue = [key]
    out: list[tuple[str, dict[str, Any]]] = []
    while queue:
        node = queue.pop(0)
        for r in by_ref.get(node, []):
            if node == key and target["objsubid"] and r["refobjsubid"] != target["objsubid"]:
                continue
            own = (r["owner_classid"], r["owner_objid"]) if r["owner_objid"] is not None else None
            shown = own or (r["classid"], r["objid"])
            desc.setdefault((r["classid"], r["objid"]), r["description"])
            if own:
                desc.setdefault(own, r["owner_description"])
            fresh = [k for k in ((r["classid"], r["objid"]), *([own] if own else [])) if k not in seen]
            if not fresh:
                continue
            seen.update(fresh)
            queue.extend(fresh)
            if r["deptype"] == "n" and shown not in silent and (r["classid"], r["objid"]) not in silent:
                out.append((f"{desc[shown]} depends on {desc[node]}", r))
    return out


def check_drop(
    ctx: Ctx,
    classid: str,
    objid: int | None,
    *,
    attname: str | None = None,
    conname: str | None = None,
    cascade: bool = False,
) -> None:
    """Refuse (2BP01) as the server will when other objects depend on the object being dropped."""
    if cascade or objid is None:
        return
    if ctx.pending is not None:  # DROP a, b: checked once every object of the statement is gone
        ctx.pending.append((classid, objid, attname, conname))
        return
    if attname is None and conname is None:
        owner = _rows(ctx, "internal_owner", {"classid": classid, "objid": objid})
        if owner:
            o = owner[0]
            raise Refusal(
                Rule.PREFLIGHT_DEPENDENTS,
                "2BP01",
                f"cannot drop {o['target']} because {o['owner']} requires it",
                hint=f"You can drop {o['owner']} instead.",
                exact=ctx.state.opaque is None,
                fix=f"drop {o['owner']} instead: {o['target']} belongs to it",
            )
    rows = _rows(ctx, "dependents", {"classid": classid, "objid": objid, "attname": attname, "conname": conname})
    if not rows or rows[0]["edge"] != 0:
        return
    verdicts = [(line, _gone(r, ctx)) for line, r in _walk(rows)]
    left = [line for line, gone in verdicts if gone is not True]
    if not left:
        return
    unsure = ctx.state.opaque is not None or any(gone is None for _l, gone in verdicts) or len(left) < len(verdicts)
    target = rows[0]["description"]
    raise Refusal(
        Rule.PREFLIGHT_DEPENDENTS,
        "2BP01",
        f"cannot drop {target} because other objects depend on it",
        detail="\n".join(left),
        hint=HINT,
        exact=not unsure,
        fix="drop the dependent objects first (in this package, before this statement), or use CASCADE "
        "if they are meant to go too: " + "; ".join(left[:5]),
        facts={"object": target, "dependents": left[:20]},
    )


def run_pending(ctx: Ctx, pending: list[tuple[Any, ...]]) -> None:
    for classid, objid, attname, conname in pending:
        check_drop(ctx, classid, objid, attname=attname, conname=conname)


def check_column_type(ctx: Ctx, objid: int | None, column: str) -> None:
    """ALTER COLUMN TYPE of a column that a view or rule uses: 0A000."""
    if objid is None:
        return
    rows = [r for r in _rows(ctx, "column_rules", {"objid": objid, "attname": column}) if _gone(r, ctx) is not True]
    if rows:
        raise Refusal(
            Rule.PREFLIGHT_DEPENDENTS,
            "0A000",
            "cannot alter type of a column used by a view or rule",
            detail=f'{rows[0]["dependent"]} depends on column "{column}"',
            exact=ctx.state.opaque is None,
            fix="drop the view (and recreate it after the change) in this package",
            facts={"object": column, "dependents": [r["dependent"] for r in rows][:20]},
        )
