"""Finding an on-call table's columns, and, when none fits, what the schedule has instead.

A column is found by the header the probe's `columns` mapping names (whole,
case-insensitive), else by its usual names. When no table fits, `gonogo doctor` gets
`Suggestion`s: the `columns` mapping that reads a table whose role and name columns are
called otherwise (`| Rota | Engineer | Starts |`: the role column is the one whose cells
name the roles), the columns that stand for roles a table gives one column each, and the
role a schedule calls otherwise (`secondary` -> `backup`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from gonogo_tui.core.findings import Suggestion, closest_first
from gonogo_tui.core.probes.oncall import OnCallColumns

START_COLUMNS = ("start", "from", "begin", "starts")
START_WORDS = ("start", "starts", "starting", "begin", "begins", "beginning", "from")
"""Words that make a column the start column anywhere in its name (`Week starting`)."""
END_COLUMNS = ("end", "to", "until", "ends")
ROLE_COLUMNS = ("role",)
NAME_COLUMNS = ("name", "who", "person", "engineer", "on-call", "oncall")
USUAL_ROLES = ("primary", "secondary")
"""The kind's default roles: a schedule's other role names are the candidates for a role
the checklist names otherwise."""


@dataclass(frozen=True)
class Located:
    """A markdown table: its header cells, the columns found in it, and its rows' cells."""

    line: int
    """The header's line (1-based)."""
    header: list[str]
    start: int | None
    end: int | None
    role: int | None
    name: int | None
    rows: list[list[str]]
    dated: bool = False
    """Under a `Week of DATE` heading: its rows have their dates without a start column."""


def find(columns: list[str], names: tuple[str, ...]) -> int | None:
    """The first column (lowered header) named one of `names` (or whose first word is)."""
    for position, column in enumerate(columns):
        if column in names or column.split(" ")[0] in names:
            return position
    return None


def find_word(columns: list[str], words: tuple[str, ...]) -> int | None:
    """The first column (lowered header) holding one of `words` anywhere in its name."""
    for position, column in enumerate(columns):
        if any(word in words for word in re.split(r"[\s_-]+", column)):
            return position
    return None


def column(
    columns: list[str], mapped: str | None, names: tuple[str, ...], words: tuple[str, ...] = ()
) -> int | None:
    """The column the mapping names (whole header, case-insensitive), else by its usual
    names (`names`, then `words` anywhere in the header)."""
    if mapped is not None:
        wanted = mapped.strip().strip("* ").lower()
        return next((i for i, header in enumerate(columns) if header == wanted), None)
    found = find(columns, names)
    return find_word(columns, words) if found is None and words else found


def locate(
    line: int,
    header: list[str],
    rows: list[list[str]],
    mapping: OnCallColumns,
    *,
    dated: bool = False,
) -> Located:
    """The table with its start, end, role and name columns found as the probe finds them
    (`dated`: it sits under a `Week of DATE` heading)."""
    lowered = [cell.lower().strip("* ") for cell in header]
    return Located(
        line,
        [cell.strip("* ") for cell in header],
        column(lowered, mapping.start, START_COLUMNS, START_WORDS),
        column(lowered, mapping.end, END_COLUMNS),
        column(lowered, mapping.role, ROLE_COLUMNS),
        column(lowered, mapping.name, NAME_COLUMNS),
        rows,
        dated,
    )


def tables_found(tables: Sequence[Located]) -> str:
    """The header rows of the first three tables, as the detail names them."""
    if not tables:
        return "found no markdown table (a header row, then a |---| rule)"
    shown = "; ".join(f"{', '.join(t.header)} (line {t.line})" for t in tables[:3])
    more = f"; and {len(tables) - 3} more" if len(tables) > 3 else ""
    return f"found tables with columns: {shown}{more}"


def table_suggestions(
    roles: Sequence[str], tables: Sequence[Located], why: str
) -> tuple[Suggestion, ...]:
    """For the first table with a start column (or under a `Week of` heading): the
    `columns` mapping, roles and role columns that would make it readable (nothing that
    the table does not show)."""
    for table in tables:
        if table.start is None and not table.dated:
            continue
        by_values = _role_column(table, roles)
        if by_values is not None:
            return _mapping_suggestions(table, by_values, roles, why)
        return _role_column_suggestions(table, roles, why)
    return ()


CLOSE = 0.6
"""How alike (difflib's ratio) a column's name must be to a role's to be proposed for it."""


def _closest(role: str, columns: list[str]) -> str | None:
    """The column named most like the role, if it is named like it at all."""
    for column in closest_first(role, columns):
        ratio = difflib.SequenceMatcher(None, role, column.lower()).ratio()
        return column if ratio >= CLOSE else None
    return None


def _cell(row: list[str], position: int) -> str:
    return row[position].strip().strip("*_ ") if position < len(row) else ""


def _role_column(table: Located, roles: Sequence[str]) -> int | None:
    """The column whose cells name a role the checklist (or the kind by default) names:
    a `Role` column under another header."""
    wanted = {*roles, *USUAL_ROLES}
    taken = {table.start, table.end}
    for position in range(len(table.header)):
        if position in taken:
            continue
        if any(_cell(row, position).lower() in wanted for row in table.rows):
            return position
    return None


def _mapping_suggestions(
    table: Located, role_col: int, roles: Sequence[str], why: str
) -> tuple[Suggestion, ...]:
    suggestions: list[Suggestion] = []
    if table.role != role_col:
        suggestions.append(Suggestion("columns.role", "role", table.header[role_col], why))
    if table.name is None:
        free = [
            column
            for i, column in enumerate(table.header)
            if i not in {table.start, table.end, role_col} and column
        ]
        # Only a single remaining column can be the name without a guess.
        suggestions.append(
            Suggestion("columns.name", "name", free[0] if len(free) == 1 else None, why)
        )
    named = {_cell(row, role_col).lower() for row in table.rows} - {""}
    suggestions += role_value_suggestions(roles, named, why)
    return tuple(suggestions)


def role_value_suggestions(
    roles: Sequence[str], named: set[str], why: str
) -> tuple[Suggestion, ...]:
    """A role the schedule never names, and the one role it names that nothing else
    claims (`secondary` -> `backup` when the rows say Primary and Backup); a role left
    open (None) when more than one could be it."""
    missing = [(i, role) for i, role in enumerate(roles) if role not in named]
    if not missing:
        return ()
    others = sorted(named - {*roles, *USUAL_ROLES})
    only = others[0] if len(others) == 1 and len(missing) == 1 else None
    return tuple(Suggestion(f"roles[{i}]", role, only, why) for i, role in missing)


def _role_column_suggestions(
    table: Located, roles: Sequence[str], why: str
) -> tuple[Suggestion, ...]:
    """A column per role: each role it has no column for, and the column that stands for
    it: the free columns in the roles' order when there are as many as missing roles,
    else the closest by name."""
    lowered = [header.lower() for header in table.header]
    taken = {table.start, table.end} | {find(lowered, (role,)) for role in roles}
    free = [column for i, column in enumerate(table.header) if i not in taken and column]
    missing = [(i, role) for i, role in enumerate(roles) if find(lowered, (role,)) is None]
    pairs: list[tuple[int, str, str | None]]
    if len(missing) == len(free):
        pairs = [(i, role, column) for (i, role), column in zip(missing, free, strict=True)]
    elif len(free) == len(USUAL_ROLES) and all(role in USUAL_ROLES for _, role in missing):
        # `| From | Until | On call | Escalation |` for `roles: [secondary]`: the table's
        # two role columns stand for the usual two roles, in their order.
        pairs = [(i, role, free[USUAL_ROLES.index(role)]) for i, role in missing]
    else:
        pairs = [(i, role, _closest(role, free)) for i, role in missing]
    return tuple(Suggestion(f"roles[{i}]", role, column, why) for i, role, column in pairs)


__all__ = [
    "END_COLUMNS",
    "NAME_COLUMNS",
    "ROLE_COLUMNS",
    "START_COLUMNS",
    "START_WORDS",
    "Located",
    "column",
    "find",
    "find_word",
    "locate",
    "role_value_suggestions",
    "table_suggestions",
    "tables_found",
]
