"""The review's header: checklist, release, operator, meeting countdown and probe progress."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from gonogo_tui.ui.presentation import CLOCK_MARK, format_clock, safe_text

WARNING_SECONDS = 120.0
"""The countdown turns to the warning colour in the last two minutes."""


class ReviewHeader(Horizontal):
    """One line: who and what on the left, the countdown and the probe progress on the right."""

    def __init__(self, *, title: str, release: str | None, operator: str) -> None:
        super().__init__()
        parts = [safe_text(title, keep_newlines=False)]
        if release:
            parts.append(f"release {safe_text(release, keep_newlines=False)}")
        parts.append(f"operator {safe_text(operator, keep_newlines=False)}")
        self._title = " · ".join(parts)
        self._countdown = ""
        self._progress = (-1, -1, -1)

    def compose(self) -> ComposeResult:
        yield Label(Text(self._title, no_wrap=True, overflow="ellipsis"), id="header-title")
        yield Label("", id="header-countdown")
        yield Label("", id="header-progress")
        yield ProgressBar(id="header-bar", show_eta=False, show_percentage=False)

    def show_countdown(self, remaining: float) -> None:
        """Show the meeting's remaining seconds (negative: overtime)."""
        if remaining > 0:
            text = f" {CLOCK_MARK} {format_clock(remaining)} left "
        else:
            text = f" {CLOCK_MARK} TIME UP {format_clock(remaining)} "
        if text == self._countdown:
            return
        self._countdown = text
        label = self.query_one("#header-countdown", Label)
        label.update(text, layout=False)  # fixed width in review.tcss
        label.set_class(0 < remaining <= WARNING_SECONDS, "-warning")
        label.set_class(remaining <= 0, "-over")

    def show_progress(self, done: int, total: int, running: int) -> None:
        """Show `probes done/total`, with a bar while some run."""
        if (done, total, running) == self._progress:
            return
        self._progress = (done, total, running)
        self.query_one("#header-progress", Label).update(
            f" probes {done}/{total}" + (f" · {running} running " if running else " "),
            layout=False,  # fixed width in review.tcss
        )
        bar = self.query_one("#header-bar", ProgressBar)
        bar.update(total=max(total, 1), progress=done)
        self.set_class(running > 0, "-running")


__all__ = ["WARNING_SECONDS", "ReviewHeader"]
