"""The selected criterion in full: source, value, detail, output, hint, runbook and runs.

Everything that came from a probe is escaped (`safe_text`) and put into `rich.text.Text`
objects, never parsed as markup, so probe output cannot style the screen or reach the
terminal as control sequences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Static

from gonogo_tui.core.deltas import Delta
from gonogo_tui.core.evaluation import CriterionOutcome
from gonogo_tui.core.evaluation_export import criterion_expected, criterion_source
from gonogo_tui.core.journal import result_age
from gonogo_tui.core.probes.base import ProbeResult
from gonogo_tui.core.records.model import Note
from gonogo_tui.core.sparkline import spark_line
from gonogo_tui.core.types import format_duration
from gonogo_tui.core.waiver_rules import in_a_row_text, waived_text
from gonogo_tui.ui.looks import (
    STALE_MARK,
    SYMBOLS,
    WEIGHT_TEXTS,
    WORDS,
    format_age,
    output_text,
    row_state,
    safe_text,
    weight_of,
)

LABEL_WIDTH = 10
RUNS_SHOWN = 6
"""The latest runs listed; older ones are counted."""


@dataclass(frozen=True)
class DetailView:
    """What the detail pane needs about the selected criterion."""

    section_number: int
    section_title: str
    outcome: CriterionOutcome
    runs: Sequence[ProbeResult]
    notes: Sequence[Note]
    """The criterion's notes, and the meeting's (about no criterion) where they are shown."""
    running: bool
    stale: bool
    stale_after: float
    timeout: float | None
    now: datetime
    delta: Delta | None = None
    """The criterion at the last GO and now (`core.deltas`)."""
    history: str = ""
    """Its values over the last decisions, with their sparkline (`Past.history_text`)."""


def detail_text(view: DetailView, *, with_output: bool = True) -> Text:
    """The detail pane's content; `with_output=False` leaves out the raw output."""
    outcome = view.outcome
    criterion = outcome.criterion
    state = row_state(outcome, view.running)
    text = Text(no_wrap=False, end="")
    text.append(f"{SYMBOLS[state]} {WORDS[state]}", style="bold")
    text.append(f"  {safe_text(criterion.title, keep_newlines=False)}", style="bold")
    text.append(
        f"   {criterion.id} · section {view.section_number} "
        f"{safe_text(view.section_title, keep_newlines=False)}",
        style="dim",
    )
    field = _Fields(text)
    weight = weight_of(outcome)
    if weight:
        field.add("Weight", WEIGHT_TEXTS[weight])
    if view.running:
        limit = f" (deadline {format_duration(view.timeout)})" if view.timeout else ""
        sustain = criterion.probe.sustain if criterion.probe is not None else None
        if sustain is not None:
            every, window = format_duration(sustain.every), format_duration(sustain.window)
            each = f"; a sample's deadline {format_duration(view.timeout)}" if view.timeout else ""
            field.add("Running", f"sampling every {every} for {window}{each}")
        else:
            field.add("Running", f"probe in progress{limit}")
    field.add("Source", criterion_source(outcome))
    result = outcome.result
    if criterion.is_manual:
        field.add("Manual", criterion.why_manual or "ticked by a person")
    if outcome.tick is not None:
        note = f": {outcome.tick.note}" if outcome.tick.note else ""
        field.add("Ticked", f"by {outcome.tick.operator} at {_hms(outcome.tick.at)}{note}")
    if result is not None:
        field.add("Value", result.value or "-")
        if result.samples:
            line = spark_line(result.samples)[-60:]  # the latest: the pane is a few lines
            field.add("Samples", f"{line}  ({len(result.samples)} taken)")
    if view.delta is not None:
        field.add("Last GO", view.delta.text)
    if view.history:
        field.add("History", view.history)
    field.add("Expected", criterion_expected(outcome))
    if result is not None:
        if result.detail:
            field.add("Detail", result.detail)
        age = result_age(result, view.now)
        measured = (
            f"{_hms(result.started_at)}, {result.duration_ms:.0f} ms, "
            f"{result.attempts} attempt{'s' * (result.attempts != 1)}, {format_age(age)} ago"
        )
        if view.stale:
            measured += (
                f" {STALE_MARK} STALE (older than {format_duration(view.stale_after)}; r reruns)"
            )
        field.add("Measured", measured)
    elif not criterion.is_manual and not view.running:
        field.add("Measured", "not run yet")
    if outcome.waiver is not None:
        underlying = outcome.underlying.value if outcome.underlying else "?"
        row = in_a_row_text(outcome.waiver)
        field.add(
            "Waived",
            f"{waived_text(outcome.waiver)} (was {underlying}, at {_hms(outcome.waiver.at)})"
            + (f"; {row}" if row else ""),
        )
    elif outcome.waiver_note:
        field.add("Waiver", outcome.waiver_note)
    if criterion.hint:
        field.add("Hint", criterion.hint)
    if criterion.runbook:
        field.add("Runbook", criterion.runbook)
    if view.runs:
        shown = view.runs[-RUNS_SHOWN:]
        runs = " · ".join(
            f"{_hms(run.started_at)} {run.status.value} {run.value}".rstrip() for run in shown
        )
        older = len(view.runs) - len(shown)
        field.add("Runs", (f"{older} earlier · " if older else "") + runs)
    for item in view.notes:
        if item.criterion_id is None:  # a note about the meeting: no other pane shows it
            field.add("Meeting", f"note by {item.operator} at {_hms(item.at)}: {item.text}")
        else:
            field.add("Note", f"{item.operator} at {_hms(item.at)}: {item.text}")
    if with_output and result is not None and result.output:
        text.append("\nOutput\n", style="bold")
        text.append_text(output_text(result.output))
    return text


class _Fields:
    """Appends `Label    value` lines, the value escaped and on one line."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def add(self, label: str, value: str) -> None:
        self.text.append(f"\n{label:<{LABEL_WIDTH}}", style="bold")
        self.text.append(safe_text(value, keep_newlines=False))


def _hms(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S")


DETAIL_STEP = 8
"""The detail text takes a multiple of this many lines (blank at the end): a height that
changed with every row's text made each key and each result of the selected row re-lay out
the whole screen."""


class _DetailText(Static):
    """The detail's text: its height follows the text."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    """As the pane's: a new height is laid out once, not twice."""


class DetailPane(VerticalScroll, can_focus=False):
    """Scrollable detail of the selected criterion (`d` maximizes it)."""

    ALLOW_MAXIMIZE = True

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    """The scroll range, which follows the text's height. Textual lays the whole screen
    out again when it changes, after the layout that changed it; the pane's own size does
    not depend on it (fixed height, scrollbar always shown), and the scrollbar follows it
    without a layout."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: Text | None = None
        self._stepped = 0
        """The detail text's height, rounded up to a multiple of DETAIL_STEP."""

    def compose(self) -> ComposeResult:
        yield _DetailText(id="detail-text", markup=False)

    def page(self, delta: int, *, to_end: bool) -> None:
        """Scroll a page up (`delta` < 0) or down, or with `to_end` to the top or bottom."""
        if to_end:
            self.scroll_to(y=0 if delta < 0 else self.max_scroll_y, animate=False)
        elif delta < 0:
            self.scroll_page_up(animate=False)
        else:
            self.scroll_page_down(animate=False)

    def show(self, view: DetailView | None) -> None:
        """Show a criterion, or a hint when nothing is selectable; unchanged text is not
        redrawn (an update re-lays out the screen)."""
        content = detail_text(view) if view is not None else Text("No criteria in this checklist.")
        if content == self._shown:
            return
        self._shown = content
        static = self.query_one("#detail-text", _DetailText)
        size = static.size
        # A layout arranges every widget on the screen (30-40 ms with fifty rows): only when
        # the text's height leaves its step of DETAIL_STEP lines. Moving from row to row, or
        # a probe of the selected row starting or ending, seldom does.
        static.update(content, layout=False)
        if not size:
            static.refresh(layout=True)
            return
        height = static.get_content_height(size, size, size.width)
        stepped = -(-max(height, 1) // DETAIL_STEP) * DETAIL_STEP
        if stepped != self._stepped:
            self._stepped = stepped
            static.styles.min_height = stepped


__all__ = ["DetailPane", "DetailView", "detail_text"]
