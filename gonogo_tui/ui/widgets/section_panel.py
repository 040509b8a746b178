"""A section of the checklist as a panel: number, title, live status, counts and its rows."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.widget import Widget

from gonogo_tui.core.checklist import Section
from gonogo_tui.core.evaluation import SectionOutcome
from gonogo_tui.ui.presentation import (
    PANEL_CLASSES,
    PANEL_LABELS,
    PanelState,
    RowState,
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
        self._drawn = ("", PanelState.PENDING)
        """The label and state drawn (behind the panel's while it is not live)."""

    def draw(self, label: str, state: PanelState) -> None:
        """Show the status and counts on the right, and the status as the class."""
        if (label, state) == self._drawn:
            return
        if state is not self._drawn[1]:
            set_state_class(self, PANEL_CLASSES, f"-{state.value}")
        if label != self._right:
            self._right = label
            self.refresh()
        self._drawn = (label, state)

    def render(self) -> Text:
        width = max(self.size.width, 10)
        right = f" {self._right} "
        room = max(width - cell_len(right) - 1, 3)
        left = self._left
        if cell_len(left) > room:
            left = set_cell_size(left, room - 1) + "…"
        gap = " " * max(width - cell_len(left) - cell_len(right) - 1, 1)
        return Text(f" {left}{gap}{right}", no_wrap=True, end="")


FOLDED_WHEN_SHORT = RowState.PASS
"""Rows of this state are folded away on short terminals (`.-short CriterionRow.-pass` in
review.tcss), except the selected one: a parked panel needs it to keep its height."""


class SectionPanel(Vertical):
    """A section's panel: its header (with the live status class) and its rows.

    With a hundred sections, Textual's work on a thousand rows (every arrangement visits
    every widget shown, every class change restyles a widget, every redraw of a widget out
    of view makes the screen rebuild its map of all widgets) would make each key wait. So
    the review screen sorts the panels by their distance from the view:

    - live (in view): every change is restyled and drawn at once;
    - not live (near the view): changes are kept, and restyled and drawn when the panel
      goes live, before the frame that scrolls it into view;
    - parked (far from the view): its header and rows are hidden and the panel keeps
      their height, so the layout and the scrollbar stay as they were while Textual
      leaves its eleven widgets out of every arrangement.
    """

    def __init__(self, section: Section, number: int) -> None:
        super().__init__(classes="section-panel")
        self.section = section
        self.number = number
        self.rows = {criterion.id: CriterionRow(criterion) for criterion in section.criteria}
        """The rows by criterion id (kept: the panel is never recomposed)."""
        self._state = PanelState.PENDING
        self._label = ""
        self._live = True
        self._parked = False
        self._parked_height = 0
        self._short = False
        self.header = SectionHeader(self.number, self.section.title)
        """The header line (kept: the panel is never recomposed)."""

    def compose(self) -> ComposeResult:
        yield self.header
        yield from self.rows.values()

    @property
    def state(self) -> PanelState:
        """The live status shown."""
        return self._state

    @property
    def live(self) -> bool:
        """Whether changes are drawn at once (see the class)."""
        return self._live

    @property
    def parked(self) -> bool:
        """Whether the panel is parked (see the class)."""
        return self._parked

    def set_live(self, live: bool) -> None:
        """Draw changes at once (catching up now), or keep them until live again."""
        if live and self._parked:
            self.unpark()
        if live and not self._live:
            self.header.draw(self._label, self._state)
        self._live = live
        for row in self.rows.values():
            row.set_live(live)

    def park(self, *, short: bool) -> None:
        """Hide the header and rows, keeping their height; `short`: the screen folds
        passing rows (its `-short` class)."""
        self._live = False
        if not self._parked:
            self._parked = True
            self.header.display = False
            for row in self.rows.values():
                row.park()
        self.fit_parked(short=short)

    def fit_parked(self, *, short: bool) -> None:
        """Give a parked panel the height its header and rows would take."""
        self._short = short
        if self._parked:
            rows = sum(
                1
                for row in self.rows.values()
                if not (short and row.view.state is FOLDED_WHEN_SHORT)
            )
            if 1 + rows != self._parked_height:
                self._parked_height = 1 + rows
                self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self._parked:
            return self._parked_height
        return super().get_content_height(container, viewport, width)

    def unpark(self) -> None:
        """Give the header and rows their places again (still not live)."""
        if self._parked:
            self._parked = False
            self._parked_height = 0
            self.header.styles.display = None  # the inline `none` goes
            for row in self.rows.values():
                row.unpark()
            self.refresh(layout=True)

    def show(
        self,
        outcome: SectionOutcome,
        *,
        running: Collection[str],
        stale: Collection[str],
        now: datetime,
    ) -> None:
        """Show a section's outcome."""
        self._state = panel_state(outcome, running)
        self._label = f"{PANEL_LABELS[self._state]} {panel_counts(outcome)}"
        if self._live:
            self.header.draw(self._label, self._state)
        for criterion_outcome in outcome.criteria:
            cid = criterion_outcome.criterion.id
            self.rows[cid].show(
                RowView.of(criterion_outcome, running=cid in running, stale=cid in stale, now=now)
            )
        self.fit_parked(short=self._short)


__all__ = ["SectionHeader", "SectionPanel"]
