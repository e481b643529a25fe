"""The name PostgreSQL gives a constraint the statement does not name, as the server chooses it.

``ALTER TABLE t ADD PRIMARY KEY (id)`` creates ``t_pkey``; ``UNIQUE (a, b)`` ``t_a_b_key``; a CHECK that reads
one column ``t_col_check`` (more or none: ``t_check``); a foreign key ``t_a_b_fkey``; an exclusion constraint
``t_a_excl``; on 18, a NOT NULL ``t_col_not_null`` (``ChooseConstraintName``, ``ChooseIndexName`` and
``makeObjectName`` in the server, which shorten the longer part until the whole fits in 63 bytes). A rollback
that drops such a name drops what its bundle made. When the name was taken, the server appends a number: the
caller accepts the name followed by digits too.
"""

from __future__ import annotations

from typing import Any

from pglast import ast

from pgwarden.parsing.walk import column_names

NAMEDATALEN = 64
_LABEL = {
    "CONSTR_PRIMARY": "pkey",
    "CONSTR_UNIQUE": "key",
    "CONSTR_CHECK": "check",
    "CONSTR_FOREIGN": "fkey",
    "CONSTR_EXCLUSION": "excl",
    "CONSTR_NOTNULL": "not_null",
}
INDEX_BACKED = frozenset({"CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION"})


def make_object_name(name1: str, name2: str | None, label: str) -> str:
    """The server's makeObjectName(): ``name1_name2_label``, the longer of name1 and name2 cut until it fits."""
    overhead = len(label.encode()) + 1 + (1 if name2 else 0)
    avail = NAMEDATALEN - 1 - overhead
    b1, b2 = name1.encode(), (name2 or "").encode()
    n1, n2 = len(b1), len(b2)
    while n1 + n2 > avail:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    part1 = b1[:n1].decode("utf-8", "ignore")  # pg_mbcliplen: never half a character
    part2 = b2[:n2].decode("utf-8", "ignore")
    return "_".join(p for p in (part1, part2 if name2 else None, label) if p)


def _names(items: Any) -> list[str]:
    out = []
    for x in items or ():
        if isinstance(x, ast.String):
            out.append(str(x.sval))
        elif isinstance(x, ast.IndexElem) and x.name:
            out.append(str(x.name))
        elif isinstance(x, tuple) and x and isinstance(x[0], ast.IndexElem) and x[0].name:  # EXCLUDE (elem WITH op)
            out.append(str(x[0].name))
    return out


def default_name(table: str, con: ast.Constraint, column: str | None = None) -> str | None:
    """The server's name for unnamed constraint ``con`` of relation ``table`` (``column``: the column a column
    constraint is written on). None: a constraint kind the server does not name this way."""
    kind = getattr(con.contype, "name", "")
    label = _LABEL.get(kind)
    if label is None:
        return None
    if kind == "CONSTR_PRIMARY":
        return make_object_name(table, None, label)
    if kind == "CONSTR_CHECK":
        read = column_names(con.raw_expr)
        return make_object_name(table, read[0] if len(read) == 1 else None, label)
    if kind == "CONSTR_NOTNULL":
        cols = [column] if column else _names(con.keys)
        return make_object_name(table, cols[0] if cols else None, label)
    cols = (
        [column]
        if column
        else _names(
            con.fk_attrs if kind == "CONSTR_FOREIGN" else con.exclusions if kind == "CONSTR_EXCLUSION" else con.keys
        )
    )
    return make_object_name(table, "_".join(cols) or None, label)
