"""Presenter mode: a large verdict and one tile per section, for the shared screen."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Footer, Static

from gonogo_tui.core.blockers import Blocker, BlockerKind, room_view, waiting_for
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

BLOCKERS_SHOWN = 3
"""Failures and errors named on the shared screen; the rest are counted."""


def blockers_text(found: tuple[Blocker, ...]) -> Text:
    """What blocks GO, failures first, one per line: FAIL and ERROR by title with the reason,
    then ticks and probes counted (`☐ 5 ticks · … 2 probes running`)."""
    named = [b for b in found if b.kind in (BlockerKind.FAIL, BlockerKind.ERROR)]
    lines = []
    for blocker in named[:BLOCKERS_SHOWN]:
        state = RowState.FAIL if blocker.kind is BlockerKind.FAIL else RowState.ERROR
        lines.append(f"{SYMBOLS[state]} {safe_text(blocker.long, keep_newlines=False)}")
    if len(named) > BLOCKERS_SHOWN:
        lines.append(f"and {len(named) - BLOCKERS_SHOWN} more failing or not measured")
    waiting = waiting_for(found)
    if waiting:
        lines.append(f"{SYMBOLS[RowState.TICK]} waiting for {waiting}")
    if not lines:
        return Text()
    return Text("Blocks GO:\n" + "\n".join(lines), justify="center")


class PresenterScreen(Screen[None]):
    """High-contrast summary that follows the review session's snapshots."""

    CSS_PATH = "presenter.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
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
        self.query_one("#presenter-title", Static).update(
            Text(f"{title} · {CLOCK_MARK} {format_clock(snapshot.remaining)}")
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
        summary = f"{look.symbol} {look.word} · {sections} · {look.explanation}"
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
        self.query_one("#presenter-blockers", Static).update(
            blockers_text(view.blockers) if finalized is None else Text()
        )
        for tile, section in zip(
            self.query(".tile").results(SectionTile), evaluation.sections, strict=True
        ):
            state = panel_state(section, snapshot.running)
            set_state_class(tile, PANEL_CLASSES, f"-{state.value}")
            tile.show(
                f"{section.number}. {safe_text(section.section.title)}",
                f"{PANEL_LABELS[state]}  {panel_counts(section)}",
            )


__all__ = ["BLOCKERS_SHOWN", "PresenterScreen", "blockers_text"]
