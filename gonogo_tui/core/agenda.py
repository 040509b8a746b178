"""The meeting's agenda: its minutes split across the sections, and each section's time spent.

A section's time is its `time:` in the checklist; the sections without one share what the
others leave of the meeting evenly (all of it when none has a time). A section spends its
time while it is the focused one, the section of the criterion the operator has selected:
the journal keeps each change of focus (`focus` lines), so a resumed meeting keeps what
each section spent. Time passes for the focused section as it does for the meeting, the
minutes between a crash and the resume included; the time before the first focus line
belongs to no section.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gonogo_tui.core.checklist import Checklist


@dataclass(frozen=True)
class SectionTime:
    """One section's share of the meeting."""

    section_id: str
    budget: float
    """Seconds it is given."""
    spent: float
    """Seconds it has been the focused section."""

    @property
    def left(self) -> float:
        """Seconds left (negative: over its time)."""
        return self.budget - self.spent


@dataclass(frozen=True)
class Agenda:
    """Every section's time, and which section is being discussed."""

    sections: tuple[SectionTime, ...]
    focused: str | None
    """The focused section's id (None before the first `focus` line)."""

    def of(self, section_id: str) -> SectionTime:
        """The time of this section.

        Raises:
            KeyError: no such section.
        """
        for time in self.sections:
            if time.section_id == section_id:
                return time
        raise KeyError(section_id)

    @property
    def current(self) -> SectionTime | None:
        """The focused section's time."""
        return None if self.focused is None else self.of(self.focused)


def section_budgets(checklist: Checklist, duration: float) -> dict[str, float]:
    """Each section's seconds: its `time:`, or an even share of what the others leave.

    Args:
        checklist: the sections, some with a `time`.
        duration: the meeting's length in seconds.
    """
    given = {s.id: s.time for s in checklist.sections if s.time is not None}
    rest = [s.id for s in checklist.sections if s.time is None]
    left = max(duration - sum(given.values()), 0.0)
    share = left / len(rest) if rest else 0.0
    return {s.id: given.get(s.id, share) for s in checklist.sections}


def time_spent(focus: Sequence[tuple[str, datetime]], now: datetime) -> dict[str, float]:
    """Seconds each section was focused, from the journal's focus changes up to `now`.

    Args:
        focus: (section id, when it became the focused one), oldest first.
        now: the end of the last stretch.
    """
    spent: dict[str, float] = {}
    ends = [at for _, at in focus[1:]] + [now]
    for (section_id, start), end in zip(focus, ends[: len(focus)], strict=True):
        spent[section_id] = spent.get(section_id, 0.0) + max((end - start).total_seconds(), 0.0)
    return spent


def build_agenda(
    checklist: Checklist, duration: float, focus: Sequence[tuple[str, datetime]], now: datetime
) -> Agenda:
    """The agenda at `now` (see the module)."""
    budgets = section_budgets(checklist, duration)
    spent = time_spent(focus, now)
    return Agenda(
        tuple(SectionTime(sid, budget, spent.get(sid, 0.0)) for sid, budget in budgets.items()),
        focus[-1][0] if focus else None,
    )


__all__ = ["Agenda", "SectionTime", "build_agenda", "section_budgets", "time_spent"]
