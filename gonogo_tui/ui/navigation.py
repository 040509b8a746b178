"""Where the review's selection moves: pure functions over the checklist's order."""

from __future__ import annotations

from collections.abc import Sequence

from gonogo_tui.core.checklist import Checklist


def criterion_after(order: Sequence[str], selected: str, delta: int) -> str:
    """The criterion `delta` places from `selected` in `order`, stopping at either end."""
    index = order.index(selected) + delta
    return order[max(0, min(index, len(order) - 1))]


def criterion_beside(checklist: Checklist, selected: str, delta: int, *, wrap: bool) -> str:
    """The criterion on the selected one's row, `delta` sections away (sections with no
    criteria are skipped; `wrap` goes round from the last section to the first; the row is
    the last one of a shorter section)."""
    sections = [s for s in checklist.sections if s.criteria]
    current = checklist.section_of(selected)
    row = [c.id for c in current.criteria].index(selected)
    target = sections.index(current) + delta
    if wrap:
        target %= len(sections)
    criteria = sections[max(0, min(target, len(sections) - 1))].criteria
    return criteria[min(row, len(criteria) - 1)].id


def first_of_section(checklist: Checklist, section_id: str | None) -> str | None:
    """The first criterion of the section `section_id` (None: no such section, or empty)."""
    for section in checklist.sections:
        if section.id == section_id and section.criteria:
            return section.criteria[0].id
    return None


__all__ = ["first_of_section", "criterion_after", "criterion_beside"]
