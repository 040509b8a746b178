"""Presenter mode: a large verdict and one tile per section, for the shared screen."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Footer, Static

from gonogo_tui.ui.looks import (
    CLOCK_MARK,
    PANEL_CLASSES,
    PANEL_LABELS,
    VERDICT_CLASSES,
    VERDICTS,
    final_look,
    format_clock,
    panel_counts,
    panel_state,
    safe_text,
    set_state_class,
)
from gonogo_tui.ui.screens.follow import follow_snapshots
from gonogo_tui.ui.session import ReviewSession, ReviewSnapshot
from gonogo_tui.ui.widgets.big_text import BigText
from gonogo_tui.ui.widgets.section_tile import SectionTile


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
        look = (
            final_look(finalized.display_decision, evaluation.decision)
            if finalized
            else VERDICTS[evaluation.decision]
        )
        verdict = self.query_one("#presenter-verdict", BigText)
        verdict.show(look.word)
        set_state_class(verdict, VERDICT_CLASSES, look.css_class)
        sections = f"{evaluation.sections_go}/{evaluation.sections_total} sections GO"
        summary = f"{look.symbol} {look.word} · {sections} · {look.explanation}"
        if finalized is not None:
            summary = f"FINAL: {summary}"
        elif snapshot.running:
            running = len(snapshot.running)
            summary += f" · provisional, {running} probe{'s' * (running != 1)} running"
        self.query_one("#presenter-summary", Static).update(Text(summary, justify="center"))
        for tile, section in zip(
            self.query(".tile").results(SectionTile), evaluation.sections, strict=True
        ):
            state = panel_state(section, snapshot.running)
            set_state_class(tile, PANEL_CLASSES, f"-{state.value}")
            tile.show(
                f"{section.number}. {safe_text(section.section.title)}",
                f"{PANEL_LABELS[state]}  {panel_counts(section)}",
            )


__all__ = ["PresenterScreen"]
