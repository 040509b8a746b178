"""A section of the checklist as a panel: number, title, live status, counts and its rows."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widget import Widget

from gonogo_tui.core.agenda import Agenda, SectionTime
from gonogo_tui.core.checklist import Criterion, Section
from gonogo_tui.core.deltas import Past, delta_of
from gonogo_tui.core.evaluation import CriterionOutcome, SectionOutcome
from gonogo_tui.ui.looks import (
    PANEL_CLASSES,
    PANEL_LABELS,
    PanelState,
    format_clock,
    panel_counts,
    panel_state,
    row_state,
    safe_text,
    set_state_class,
)
from gonogo_tui.ui.widgets.criterion_row import (
    FOLDED_WHEN_SHORT,
    CriterionRow,
    RowView,
    is_folded,
)


class SectionHeader(Widget):
    """`1 Artifacts & Documentation ........ ✘ NO-GO 3/5` in one line.

    The section's live status is a class here (`-go`, `-no-go`, `-running`...), not on the
    panel: a class on the panel would restyle all its rows on every change.
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    """As `CriterionRow.virtual_size`: shown again after parking, no second layout."""

    def __init__(self, number: int, title: str) -> None:
        super().__init__(classes="-pending")
        self._left = f"{number:>2} {safe_text(title, keep_newlines=False)}"
        self._right = ""
        self._agenda = ""
        """The focused section's time left, before the status; empty on the others."""
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

    @property
    def focused(self) -> bool:
        """Whether this is the section being discussed (highlighted, with its time left)."""
        return self.has_class("-focused")

    def show_agenda(self, time: SectionTime | None) -> None:
        """Highlight the section being discussed with its time left; None: not it."""
        text = "" if time is None else agenda_label(time.left)
        self.set_class(time is not None, "-focused")
        self.set_class(time is not None and time.left <= 0, "-time-up")
        if text != self._agenda:
            self._agenda = text
            self.refresh()

    def render(self) -> Text:
        width = max(self.size.width, 10)
        agenda = self._agenda
        if agenda and cell_len(self._left) > width - cell_len(f" {agenda} · {self._right} ") - 1:
            agenda = agenda.removesuffix(" left")  # the title keeps a few more cells
        right = f" {agenda + ' · ' if agenda else ''}{self._right} "
        if width - cell_len(right) - 1 < TITLE_ROOM:
            # Narrow: the weights' words give way to their marks before the title does.
            right = right.replace("critical ✘", "◆✘").replace("advisory ✘", "◇✘")
        room = max(width - cell_len(right) - 1, 3)
        left = self._left
        if cell_len(left) > room:
            left = set_cell_size(left, room - 1) + "…"
        gap = " " * max(width - cell_len(left) - cell_len(right) - 1, 1)
        return Text(f" {left}{gap}{right}", no_wrap=True, end="")


TITLE_ROOM = 12
"""Cells a header keeps for its title before `critical ✘` shortens to `◆✘`."""


def agenda_label(left: float) -> str:
    """A section's time left, `▶ 01:30 left`, or `▶ TIME UP` once it is spent."""
    return f"▶ {format_clock(left)} left" if left > 0 else "▶ TIME UP"


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

    def __init__(self, section: Section, number: int, *, past: Past | None = None) -> None:
        super().__init__(classes="section-panel")
        self.section = section
        self.number = number
        self.past = past or Past()
        """The last GO the rows compare with (`core.deltas`)."""
        self.rows = {
            criterion.id: CriterionRow(criterion, weight=_weight(section, criterion))
            for criterion in section.criteria
        }
        """The rows by criterion id (kept: the panel is never recomposed)."""
        self._state = PanelState.PENDING
        self._label = ""
        self._live = True
        self._pending: _Shown | None = None
        """The latest outcome while not live: the rows' views are worked out from it when
        the panel goes live (a thousand rows' views on every change add up)."""
        self._parked = False
        self._parked_height = 0
        self._short = False
        self._changed_only = False
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
            if self._pending is not None:
                self._show_rows(self._pending)  # the rows only keep the views...
                self._pending = None
        self._live = live
        for row in self.rows.values():
            row.set_live(live)  # ...and draw them here, once

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
            folds = short or self._changed_only
            rows = len(self.rows) - (self._folded() if folds else 0)
            if 1 + rows != self._parked_height:
                self._parked_height = 1 + rows
                self.refresh(layout=True)

    def set_changed_only(self, changed_only: bool) -> None:
        """Show only the rows that moved since the last GO (the filter), or every row."""
        self._changed_only = changed_only
        for row in self.rows.values():
            row.set_changed_only(changed_only)
        self.fit_parked(short=self._short)

    def _folded(self) -> int:
        """How many rows a short screen or the filter folds away."""
        shown = self._pending
        if shown is not None and not self._changed_only:  # the state alone: no readings
            return sum(
                row_state(outcome, outcome.criterion.id in shown.running) is FOLDED_WHEN_SHORT
                for outcome in shown.outcome.criteria
            )
        if shown is not None:
            views = [self._view_of(outcome, shown) for outcome in shown.outcome.criteria]
        else:
            views = [row.view for row in self.rows.values()]
        return sum(
            is_folded(view, short=self._short, changed_only=self._changed_only) for view in views
        )

    def _view_of(self, outcome: CriterionOutcome, shown: _Shown) -> RowView:
        cid = outcome.criterion.id
        return RowView.of(
            outcome,
            running=cid in shown.running,
            stale=cid in shown.stale,
            now=shown.now,
            delta=delta_of(self.past, outcome),
        )

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
        shown = _Shown(outcome, running, stale, now)
        if not self._live:
            self._pending = shown
            self.fit_parked(short=self._short)
            return
        self.header.draw(self._label, self._state)
        self._show_rows(shown)

    def _show_rows(self, shown: _Shown) -> None:
        for criterion_outcome in shown.outcome.criteria:
            self.rows[criterion_outcome.criterion.id].show(self._view_of(criterion_outcome, shown))


def show_agenda(panels: Iterable[SectionPanel], agenda: Agenda) -> None:
    """Highlight the focused section's header with its time left, and no other: only it and
    the one focused before change (a hundred headers are only looked at)."""
    for panel in panels:
        focused = panel.section.id == agenda.focused
        if focused or panel.header.focused:
            panel.header.show_agenda(agenda.of(panel.section.id) if focused else None)


@dataclass(frozen=True)
class _Shown:
    """What `SectionPanel.show` was given."""

    outcome: SectionOutcome
    running: Collection[str]
    stale: Collection[str]
    now: datetime


def _weight(section: Section, criterion: Criterion) -> str:
    # The row's first look, as `looks.weight_of` gives it once an outcome arrives.
    if section.is_critical(criterion):
        return "critical"
    return "advisory" if criterion.advisory else ""


__all__ = ["SectionHeader", "SectionPanel", "agenda_label", "show_agenda"]
