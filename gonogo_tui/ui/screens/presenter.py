"""Presenter mode: a large verdict and one tile per section, for the shared screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Footer, Static

from gonogo_tui.core.blockers import Blocker, BlockerKind, critical_titles, room_view, waiting_for
from gonogo_tui.core.checklist import Section
from gonogo_tui.core.waivers import count_text, waived
from gonogo_tui.ui.looks import (
    CLOCK_MARK,
    PANEL_CLASSES,
    PANEL_LABELS,
    SYMBOLS,
    VERDICT_CLASSES,
    RowState,
    final_look,
    format_clock,
    live_look,
    panel_counts,
    panel_state,
    safe_text,
    set_state_class,
)
from gonogo_tui.ui.screens.follow import follow_snapshots
from gonogo_tui.ui.session import ReviewSession, ReviewSnapshot
from gonogo_tui.ui.widgets.big_text import BigText
from gonogo_tui.ui.widgets.section_tile import SectionTile

BLOCKER_LINES = {"-tall": 2, "-short": 1}
"""Lines for what blocks GO, by screen height: the section tiles keep the rest."""
TALL_ROWS = 36
"""From this many rows the screen is `-tall` (VERTICAL_BREAKPOINTS)."""
CRITICAL_MARK = "critical: "
"""Before a blocker that is critical: it alone makes the decision NO-GO."""


def blockers_text(
    found: tuple[Blocker, ...], lines: int, width: int, *, waiting: bool = False
) -> Text:
    """What blocks GO in `lines` lines of `width` cells: each FAIL and ERROR by title with its
    reason (shortened to fit, title first; a critical one says `critical:` first), then how
    many more and the ticks and probes outstanding (`☐ 5 ticks`).

    While the room is WAITING nothing failed and the summary already says what it waits for.
    """
    head = "Blocks GO: "
    named = [b for b in found if b.kind in (BlockerKind.FAIL, BlockerKind.ERROR)]
    outstanding = waiting_for(found)
    if not named:
        if waiting or not outstanding:
            return Text()
        return Text(f"{head}{SYMBOLS[RowState.TICK]} {outstanding}", justify="center")
    lines = max(lines, 1)
    room = lines - 1 if lines > 1 and (len(named) > lines or outstanding) else lines
    shown = named[:room]
    extra = len(named) - len(shown)
    tail = " · ".join(
        [
            *(
                [f"+{extra} more failing or not measured" if lines > 1 else f"+{extra} more"]
                if extra
                else []
            ),
            *([f"{SYMBOLS[RowState.TICK]} {outstanding}"] if outstanding else []),
        ]
    )
    tail_own_line = bool(tail) and len(shown) < lines
    rows = []
    for number, blocker in enumerate(shown):
        state = RowState.FAIL if blocker.kind is BlockerKind.FAIL else RowState.ERROR
        # The room is told which failure alone makes it NO-GO, whatever the count.
        mark = CRITICAL_MARK if blocker.outcome.critical else ""
        first = number == 0
        last = number == len(shown) - 1
        taken = 2 + len(mark) + (len(head) if first else 0)
        taken += len(f" · {tail}") if last and tail and not tail_own_line else 0
        available = max(width - taken, 8)
        said = blocker.long if lines > 1 and len(blocker.long) <= available else None
        said = said or blocker.short_within(available)
        rows.append(f"{SYMBOLS[state]} {mark}{safe_text(said, keep_newlines=False)}")
    if tail_own_line:
        rows.append(tail)
    elif tail:
        rows[-1] += f" · {tail}"
    rows[0] = f"{head}{rows[0]}"
    return Text("\n".join(rows), justify="center", no_wrap=True, overflow="ellipsis")


def agenda_text(snapshot: ReviewSnapshot, sections: Sequence[Section]) -> str:
    """`◷ 08:12 left · now 3. Security: 01:10 left`: the meeting's time and the section
    being discussed with its own; each says TIME UP once spent."""
    remaining = snapshot.remaining
    text = f"{CLOCK_MARK} {format_clock(remaining) + ' left' if remaining > 0 else 'TIME UP'}"
    current = snapshot.agenda.current
    for number, section in enumerate(sections, start=1):
        if current is not None and section.id == current.section_id:
            left = current.left
            said = f"{format_clock(left)} left" if left > 0 else "TIME UP"
            text += f" · now {number}. {safe_text(section.title)}: {said}"
    return text


class PresenterScreen(Screen[None]):
    """High-contrast summary that follows the review session's snapshots."""

    CSS_PATH = "presenter.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (TALL_ROWS, "-tall")]
    BINDINGS = [
        Binding("p,escape", "app.pop_screen", "Back to the review"),
        Binding("question_mark", "app.open_help", "Help"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self._unsubscribe: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="presenter-title", markup=False)
        yield BigText(id="presenter-verdict")
        yield Static(id="presenter-summary", markup=False)
        yield Static(id="presenter-blockers", markup=False)
        with Grid(id="presenter-tiles"):
            for number, section in enumerate(self.session.ctx.checklist.sections, start=1):
                yield SectionTile(
                    f"{number}. {safe_text(section.title)}", number=number, classes="tile"
                )
        yield Footer()

    def on_mount(self) -> None:
        self._unsubscribe = follow_snapshots(self, self.session, self._show)

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def _show(self, snapshot: ReviewSnapshot) -> None:
        ctx = self.session.ctx
        evaluation = snapshot.evaluation
        release = ctx.release or ctx.checklist.release
        title = safe_text(ctx.checklist.title) + (
            f" · release {safe_text(release)}" if release else ""
        )
        # The agenda first: on a narrow screen the checklist's title is what gets cut.
        self.query_one("#presenter-title", Static).update(
            Text(f"{agenda_text(snapshot, ctx.checklist.sections)} · {title}")
        )
        finalized = snapshot.finalized
        view = room_view(evaluation, snapshot.running)
        look = (
            final_look(finalized.display_decision, evaluation.decision)
            if finalized
            else live_look(view.standing)
        )
        verdict = self.query_one("#presenter-verdict", BigText)
        verdict.show(look.word)
        set_state_class(verdict, VERDICT_CLASSES, look.css_class)
        sections = f"{evaluation.sections_go}/{evaluation.sections_total} sections GO"
        waivers = len(waived(evaluation))
        if waivers:  # `GO · 1 waiver`: never a plain verdict over a waiver
            sections += f" · {count_text(waivers)}"
        # As the decision bar: a critical criterion that decides NO-GO is named by title
        # (`critical: Backups fresh failed`), not only "blocks the deployment".
        why = "" if finalized is not None else critical_titles(evaluation)
        why = safe_text(why, keep_newlines=False) or look.explanation
        summary = f"{look.symbol} {look.word} · {sections} · {why}"
        if finalized is not None:
            summary = f"FINAL: {summary}"
        elif view.waiting:
            summary = (
                f"{look.symbol} WAITING for {view.waits_for} · {sections} · nothing has failed"
            )
        elif snapshot.running:
            running = len(snapshot.running)
            summary += f" · provisional, {running} probe{'s' * (running != 1)} running"
        self.query_one("#presenter-summary", Static).update(Text(summary, justify="center"))
        # The app's height, not the breakpoint class: the first snapshot is shown before the
        # screen's breakpoints are applied.
        tall = self.app.size.height >= TALL_ROWS
        shown_blockers = (
            Text()
            if finalized is not None
            else blockers_text(
                view.blockers,
                BLOCKER_LINES["-tall" if tall else "-short"],
                self.app.size.width - 2,
                waiting=view.waiting,
            )
        )
        blockers_box = self.query_one("#presenter-blockers", Static)
        blockers_box.display = bool(shown_blockers)
        blockers_box.update(shown_blockers)
        for tile, section in zip(
            self.query(".tile").results(SectionTile), evaluation.sections, strict=True
        ):
            state = panel_state(section, snapshot.running)
            set_state_class(tile, PANEL_CLASSES, f"-{state.value}")
            focused = section.section.id == snapshot.agenda.focused
            tile.set_class(focused, "-focused")
            tile.show(
                f"{section.number}. {safe_text(section.section.title)}",
                f"{PANEL_LABELS[state]}  {panel_counts(section)}",
            )


__all__ = ["BLOCKER_LINES", "CRITICAL_MARK", "PresenterScreen", "agenda_text", "blockers_text"]
