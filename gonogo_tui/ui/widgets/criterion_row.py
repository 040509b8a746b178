"""One criterion as a row: symbol and word, title, value against expected, age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widget import Widget

from gonogo_tui.core.checklist import Criterion
from gonogo_tui.core.deltas import Delta
from gonogo_tui.core.evaluation import CriterionOutcome
from gonogo_tui.core.journal import result_age
from gonogo_tui.core.readings import expectation, reading
from gonogo_tui.core.sparkline import spark_line
from gonogo_tui.core.waiver_rules import in_a_row_text, waived_short, waived_text
from gonogo_tui.ui.looks import (
    AGE_STYLE,
    DELTA_STYLE,
    EXPECTED_STYLE,
    ROW_STYLES,
    STALE_MARK,
    STALE_STYLE,
    SYMBOLS,
    WEIGHT_MARKS,
    WEIGHT_STYLES,
    WORDS,
    WORSE_STYLE,
    RowState,
    format_age,
    row_state,
    safe_text,
    weight_of,
)

TITLE_KEPT = 6
"""Cells a failing row's title keeps (with its ellipsis) while the value and threshold take
the rest."""
WIDE_ROW = 48
"""Rows at least this wide show the state word and the expectation."""
ROW_SPARK = 8
"""A sustained check's row shows its latest samples, this many (the detail pane all)."""
DELTA_TITLE_KEPT = 16
"""Cells of the title a row keeps before it gives the last GO's value up for its arrow."""
FOLDED_WHEN_SHORT = RowState.PASS
"""Rows of this state are folded away on short terminals (their `-fold` class, see
review.tcss), except the selected one: a parked panel needs it to keep its height."""


@dataclass(frozen=True)
class RowView:
    """Everything a row shows, so an unchanged row is not redrawn."""

    state: RowState
    title: str
    value: str
    expected: str
    age: str
    stale: bool
    weight: str = ""
    """`critical`, `advisory` or empty (`looks.weight_of`)."""
    brief: str = ""
    """The value for a narrow failing row (`core.readings.Reading.brief`), or a ticked
    row's `by NAME`."""
    names: bool = False
    """The value names who ticked: the title gives way before the name is cut."""
    since: str = ""
    """`last GO 99 ms`: the value at the last GO (`core.deltas.Delta`), when it moved."""
    arrow: str = ""
    """`▲`, `▼` or `✘` when it moved the wrong way since the last GO."""
    moved: bool = False
    """Its status or value moved since the last GO (the "changed since last GO" filter)."""
    short: tuple[str, ...] = ()
    """A waived row's shorter values, longest first (`core.waiver_rules.waived_short`): who
    granted it and how far into its run, when the full text does not fit."""

    @classmethod
    def of(
        cls,
        outcome: CriterionOutcome,
        *,
        running: bool,
        stale: bool,
        now: datetime,
        delta: Delta | None = None,
    ) -> RowView:
        """The row of a criterion's outcome at `now`, and what changed since the last GO."""
        criterion = outcome.criterion
        value, expected, age, brief = "", "", "", ""
        if outcome.tick is not None:
            value, brief = f"ticked by {outcome.tick.operator}", f"by {outcome.tick.operator}"
            age = format_age((now - outcome.tick.at).total_seconds())
        elif criterion.is_manual:
            value = "needs tick"
        elif outcome.result is None:
            expected = expectation(criterion.probe) if criterion.probe is not None else ""
        else:
            # The value as people read it, with the threshold when it failed; the probe's own
            # wording (SQL columns, metric names) stays in the detail pane.
            age = format_age(result_age(outcome.result, now))
            measured = reading(criterion.probe, outcome.result)
            value, brief = measured.text, measured.brief
            if outcome.result.samples:  # a sustained check: its latest samples, then the value
                spark = spark_line(outcome.result.samples)[-ROW_SPARK:]
                value, brief = f"{spark} {value}", f"{spark} {brief}" if brief else ""
        names = outcome.tick is not None
        short: tuple[str, ...] = ()
        if outcome.waiver is not None:
            row = in_a_row_text(outcome.waiver)
            value, brief = waived_text(outcome.waiver) + (f" · {row}" if row else ""), ""
            names, short = False, waived_short(outcome.waiver)
        elif outcome.waiver_note:  # a waiver from the ledger that lapsed: the row says why
            value = f"{outcome.waiver_note} · {value}" if value else outcome.waiver_note
            brief = f"{outcome.waiver_note} · {brief}" if brief else ""
        return cls(
            state=row_state(outcome, running),
            title=safe_text(criterion.title, keep_newlines=False),
            value=safe_text(value, keep_newlines=False),
            expected=safe_text(expected, keep_newlines=False),
            age=age,
            stale=stale,
            weight=weight_of(outcome),
            brief=safe_text(brief, keep_newlines=False),
            names=names,
            since=f"last GO {safe_text(delta.then.text, keep_newlines=False)}"
            if delta is not None and delta.moved
            else "",
            arrow=delta.arrow if delta is not None else "",
            moved=delta is not None and delta.moved,
            short=tuple(safe_text(text, keep_newlines=False) for text in short),
        )


class CriterionRow(Widget):
    """A criterion's row in its section panel.

    The state shows in the rendered content (symbol, word and `ROW_STYLES` colours), not
    as CSS classes: restyling a widget costs about half a millisecond, and `R` turning
    fifty rows RUNNING spent 15-20 ms restyling them before its frame. The one class a
    state takes is `-fold`, on a passing row of a short screen, which folds it away.
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    """A line's scroll range is its size. Textual lays the whole screen out once more when
    a widget's changes, which a row shown again after being parked needs no more."""

    class Clicked(Message):
        """The operator clicked a row."""

        def __init__(self, criterion_id: str) -> None:
            super().__init__()
            self.criterion_id = criterion_id

    def __init__(self, criterion: Criterion, *, weight: str = "") -> None:
        state = RowState.TICK if criterion.is_manual else RowState.PENDING
        super().__init__()
        self.criterion_id = criterion.id
        self._view = RowView(
            state,
            safe_text(criterion.title, keep_newlines=False),
            "",
            "",
            "",
            False,
            weight,
        )
        self._drawn = self._view
        """The view the row's class and drawing show (behind `view` while not live)."""
        self._live = True
        self._parked = False
        self._fold = False
        """The screen folds passing rows away (a short terminal)."""
        self._changed_only = False
        """The "changed since last GO" filter hides the rows that did not move."""

    @property
    def view(self) -> RowView:
        """What the row shows now."""
        return self._view

    @property
    def parked(self) -> bool:
        """Whether the row is hidden far from the view (see `SectionPanel`)."""
        return self._parked

    @property
    def live(self) -> bool:
        """Whether a new view is restyled and drawn at once (see `SectionPanel`)."""
        return self._live

    def show(self, view: RowView) -> None:
        """Show a new state; does nothing when nothing changed. A row that is not live
        only keeps the view: its class and drawing catch up when it goes live."""
        if view == self._view:
            return
        self._view = view
        if self._live:
            self._draw()

    def set_live(self, live: bool) -> None:
        """Restyle and draw every new view at once (catching up now), or keep them."""
        if live and not self._live:
            self._live = True
            self._draw()
        self._live = live

    def park(self) -> None:
        """Hide the row, keeping its views until it is unparked and live again."""
        self._live = False
        if not self._parked:
            self._parked = True
            self.display = False

    def unpark(self) -> None:
        """Give the row its place again (review.tcss decides its display)."""
        if self._parked:
            self._parked = False
            self.styles.display = None  # the inline `none` goes

    def set_fold(self, fold: bool) -> None:
        """Fold the row away while it passes (a short screen), or never."""
        if fold != self._fold:
            self._fold = fold
            self._fit_fold()

    def set_changed_only(self, changed_only: bool) -> None:
        """Hide the row unless it moved since the last GO (the filter), or never."""
        if changed_only != self._changed_only:
            self._changed_only = changed_only
            self._fit_fold()

    def _fit_fold(self) -> None:
        folded = is_folded(self._drawn, short=self._fold, changed_only=self._changed_only)
        if folded != self.has_class("-fold"):
            self.set_class(folded, "-fold")

    def _draw(self) -> None:
        if self._view == self._drawn:
            return
        state_changed = self._view.state is not self._drawn.state
        moved_changed = self._view.moved is not self._drawn.moved
        self._drawn = self._view
        if (state_changed and self._fold and not self._changed_only) or (
            moved_changed and self._changed_only
        ):
            self._fit_fold()
        self.refresh()

    def on_click(self) -> None:
        self.post_message(self.Clicked(self.criterion_id))

    def render(self) -> Content:
        view = self._view
        width = max(self.size.width, 10)
        wide = width >= WIDE_ROW
        state_style = ROW_STYLES[view.state]
        head = SYMBOLS[view.state] + (f" {WORDS[view.state]:<6}" if wide else "")
        age = f"{STALE_MARK if view.stale else ''}{view.age}"
        age_width = 5
        shown_value = view.value or (view.expected if wide else "")
        failing = view.state is RowState.FAIL
        # A failing value and threshold, the name of who ticked, or who waived it, are cut
        # last: first the title gives way (to TITLE_KEPT), then "ticked" and the age.
        kept = failing or view.names or bool(view.short)
        mark = ""
        if view.weight:
            mark = f"{view.weight} " if wide else f"{WEIGHT_MARKS[view.weight]} "
        room = width - cell_len(head) - 1 - cell_len(mark) - age_width - 1
        if failing and view.weight and cell_len(shown_value) > room - TITLE_KEPT - 1:
            # A failing value and threshold matter more than the weight's word: its mark says it.
            room += cell_len(mark) - 2
            mark = f"{WEIGHT_MARKS[view.weight]} "
        if failing and view.brief and cell_len(shown_value) > room - TITLE_KEPT - 1:
            shown_value = view.brief
        if view.names and cell_len(shown_value) > max(
            room * 45 // 100, room - cell_len(view.title) - 1, 8
        ):
            shown_value = view.brief  # "by NAME": the symbol says it was ticked
        if view.short:
            shown_value = _waived_fit(view, room)
        if kept and cell_len(shown_value) > room - TITLE_KEPT - 1:
            # Still too long: the age gives its place before the value is cut.
            room, age_width, age = room + age_width + 1, 0, ""
        delta = _delta(view, shown_value, room, failing)
        # The value gets 45% of the room, and whatever a short title leaves unused; a failing
        # value and its threshold are never cut while the title can give way.
        title_room = room - cell_len(view.title) - 1
        value_share = max(room * 45 // 100, title_room, 8)
        if kept:
            value_share = max(value_share, room - TITLE_KEPT - 1)
        full = cell_len(shown_value) + cell_len(delta)
        if delta.startswith(" ("):  # `_delta` left the title its cells: the value may take them
            value_share = max(value_share, full)
        value_width = min(full, value_share) if shown_value else 0
        if delta and value_width < full:
            # Cut: the value keeps the arrow, not the last GO's value.
            delta = f" {view.arrow}" if view.arrow else ""
            value_width = min(cell_len(shown_value) + cell_len(delta), value_share)
        title_width = max(room - value_width - (1 if value_width else 0), 4)
        if not view.value:
            value_style = EXPECTED_STYLE
        elif view.state in (RowState.FAIL, RowState.ERROR):
            value_style = state_style
        else:
            value_style = ""
        parts: list[tuple[str, str] | str] = [
            (head, f"{state_style} bold"),
            " ",
        ]
        if mark:
            parts.append((mark, WEIGHT_STYLES[view.weight]))
        parts.append(_fit(view.title, title_width))
        if value_width:
            shown = _fit(shown_value, max(value_width - cell_len(delta), 1), right=True)
            parts += [" ", (shown, value_style)]
            if delta:
                parts.append((delta, WORSE_STYLE if view.arrow else DELTA_STYLE))
        if age_width:
            parts += [" ", (age.rjust(age_width), STALE_STYLE if view.stale else AGE_STYLE)]
        return Content.assemble(*parts)


def is_folded(view: RowView, *, short: bool, changed_only: bool) -> bool:
    """Whether a row is folded away: unmoved under the filter, else passing on a short
    screen (the selected row stays, review.tcss). Under the filter every row that moved
    shows, a passing one too: the notice counted it."""
    if changed_only:
        return not view.moved
    return short and view.state is FOLDED_WHEN_SHORT


def _waived_fit(view: RowView, room: int) -> str:
    """A waived row's value: the full text while the title keeps a few cells, else the
    longest short form that leaves the title those cells or at least TITLE_KEPT."""
    for keep in (min(cell_len(view.title), DELTA_TITLE_KEPT), TITLE_KEPT):
        for text in (view.value, *view.short):
            if cell_len(text) <= room - keep - 1:
                return text
    return view.short[-1]


def _delta(view: RowView, shown_value: str, room: int, failing: bool) -> str:
    """What the row shows of the last GO: ` (last GO 99 ms ▲)` while the title keeps a few
    cells, else the arrow alone (` ▲`), else nothing."""
    if not view.since or not shown_value:
        return ""
    arrow = f" {view.arrow}" if view.arrow else ""
    full = f" ({view.since}{arrow})"
    keep = min(cell_len(view.title), TITLE_KEPT if failing else DELTA_TITLE_KEPT)
    if cell_len(shown_value) + cell_len(full) <= room - keep - 1:
        return full
    return arrow


def _fit(text: str, width: int, *, right: bool = False) -> str:
    """`text` in exactly `width` cells: cut with an ellipsis, padded on one side."""
    if cell_len(text) > width:
        text = set_cell_size(text, max(width - 1, 0)) + "…"
    padding = " " * (width - cell_len(text))
    return padding + text if right else text + padding


__all__ = ["FOLDED_WHEN_SHORT", "TITLE_KEPT", "CriterionRow", "RowView", "is_folded"]
