"""For an on-call table whose role columns are named otherwise: which of its columns stand
for the roles the checklist names (`roles[1]`: `secondary` -> `Backup`), for `gonogo doctor`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gonogo_tui.core.findings import Suggestion, closest_first

Table = tuple[list[str], int | None, int | None]
"""A table's header cells, and the positions of its start and end columns (if any)."""


def role_suggestions(
    roles: Sequence[str],
    tables: Sequence[Table],
    why: str,
    find: Callable[[list[str], tuple[str, ...]], int | None],
) -> tuple[Suggestion, ...]:
    """For the first table with a start column: each role it has no column for, and the
    column that stands for it: the free columns in the roles' order when there are as many
    as missing roles, else the closest by name. `find` locates a column by its names (as
    the schedule reader does: case-insensitive, the first word counts)."""
    for columns, start, end in tables:
        if start is None:
            continue
        lowered = [column.lower() for column in columns]
        taken = {start, end} | {find(lowered, (role,)) for role in roles}
        free = [column for i, column in enumerate(columns) if i not in taken and column]
        missing = [(i, role) for i, role in enumerate(roles) if find(lowered, (role,)) is None]
        pairs: list[tuple[int, str, str | None]]
        if len(missing) == len(free):
            pairs = [(i, role, column) for (i, role), column in zip(missing, free, strict=True)]
        else:
            pairs = [(i, role, next(iter(closest_first(role, free)), None)) for i, role in missing]
        return tuple(Suggestion(f"roles[{i}]", role, column, why) for i, role, column in pairs)
    return ()


__all__ = ["Table", "role_suggestions"]
