"""A section of the checklist as a panel: number, title, live status, counts and its rows."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget

from gonogo_tui.core.checklist import Section
from gonogo_tui.core.evaluation import SectionOutcome
from gonogo_tui.ui.presentation import (
    PANEL_CLASSES,
    PANEL_LABELS,
    PanelState,
    panel_counts,
    panel_state,
    safe_text,
    set_state_class,
)
from gonogo_tui.ui.widgets.criterion_row import CriterionRow, RowView


class SectionHeader(Widget):
    """`1 Artifacts & Documentation ........ ✘ NO-GO 3/5` in one line.

    The section's live status is a class here (`-go`, `-no-go`, `-running`...), not on the
    panel: a class on the panel would restyle all its rows on every change.
    """

    def __init__(self, number: int, title: str) -> None:
        super().__init__(classes="-pending")
        self._left = f"{number:>2} {safe_text(title, keep_newlines=False)}"
        self._right = ""

    def show(self, label: str) -> None:
        """Show the status and counts on the right."""
        if label != self._right:
            self._right = label
            self.refresh()

    def render(self) -> Text:
        width = max(self.size.width, 10)
        right = f" {self._right} "
        room = max(width - cell_len(right) - 1, 3)
        left = self._left
        if cell_len(left) > room:
            left = set_cell_size(left, room - 1) + "…"
        gap = " " * max(width - cell_len(left) - cell_len(right) - 1, 1)
        return Text(f" {left}{gap}{right}", no_wrap=True, end="")


class SectionPanel(Vertical):
    """A section's panel: its header (with the live status class) and its rows."""

    def __init__(self, section: Section, number: int) -> None:
        super().__init__(classes="section-panel")
        self.section = section
        self.number = number
        self.rows = {criterion.id: CriterionRow(criterion) for criterion in section.criteria}
        """The rows by criterion id (kept: the panel is never recomposed)."""
        self._state = PanelState.PENDING
        self.header = SectionHeader(self.number, self.section.title)
        """The header line (kept: the panel is never recomposed)."""

    def compose(self) -> ComposeResult:
        yield self.header
        yield from self.rows.values()

    @property
    def state(self) -> PanelState:
        """The live status shown."""
        return self._state

    def show(
        self,
        outcome: SectionOutcome,
        *,
        running: Collection[str],
        stale: Collection[str],
        now: datetime,
    ) -> None:
        """Show a section's outcome."""
        state = panel_state(outcome, running)
        if state is not self._state:
            set_state_class(self.header, PANEL_CLASSES, f"-{state.value}")
            self._state = state
        self.header.show(f"{PANEL_LABELS[state]} {panel_counts(outcome)}")
        for criterion_outcome in outcome.criteria:
            cid = criterion_outcome.criterion.id
            self.rows[cid].show(
                RowView.of(criterion_outcome, running=cid in running, stale=cid in stale, now=now)
            )


__all__ = ["SectionHeader", "SectionPanel"]
