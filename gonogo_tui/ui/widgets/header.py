"""The review's header: checklist, release, operator, meeting countdown and probe progress."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from gonogo_tui.core.agenda import SectionTime
from gonogo_tui.ui.looks import CLOCK_MARK, format_clock, safe_text

WARNING_SECONDS = 120.0
"""The countdown turns to the warning colour in the last two minutes."""
MIN_TITLE_CELLS = 12
"""The checklist title is trimmed to no less than this before the release and operator are."""


def fit_header_title(title: str, release: str | None, operator: str, width: int) -> str:
    """Who and what in `width` cells, trimming the least important part first.

    In order: the checklist's title (down to `MIN_TITLE_CELLS`), then the words "release"
    and "operator" before the values, then the title again, down to one character; the
    release and the operator are cut last, sharing the width so that neither disappears.
    Arguments are already made safe (`safe_text`).
    """
    tails = [f" · operator {operator}", f" · {operator}"]
    if release:
        tails = [f" · release {release} · operator {operator}", f" · {release} · {operator}"]
    if cell_len(title + tails[0]) <= width:
        return title + tails[0]
    for tail in tails:
        room = width - cell_len(tail)
        if room >= MIN_TITLE_CELLS:
            return _trim(title, room) + tail
    tail = tails[-1]
    room = width - cell_len(tail)
    if room >= 2:  # a character and the ellipsis
        return _trim(title, room) + tail
    values = [release, operator] if release else [operator]
    return " · ".join(_share(values, width - cell_len(" · ") * (len(values) - 1)))


def _share(values: list[str], width: int) -> list[str]:
    """`values` trimmed to fit `width` cells together: each gets an equal share, and what
    a shorter one leaves goes to the others."""
    shares: dict[int, int] = {}
    left = max(width, 0)
    by_length = sorted(range(len(values)), key=lambda index: cell_len(values[index]))
    for done, index in enumerate(by_length):
        shares[index] = min(cell_len(values[index]), left // (len(values) - done))
        left -= shares[index]
    return [_trim(value, shares[index]) for index, value in enumerate(values)]


def _trim(text: str, width: int) -> str:
    """`text` in `width` cells, ending with an ellipsis when cut."""
    if cell_len(text) <= width:
        return text
    trimmed = Text(text)
    trimmed.truncate(max(width, 0), overflow="ellipsis")
    return trimmed.plain


def countdown_text(remaining: float, section: SectionTime | None) -> str:
    """`◷ 08:12 ▶ 01:10`: the meeting's time left and the focused section's (`▶`, as on
    its highlighted header); each `TIME UP` once spent (`◷ TIME UP ▶ TIME UP`)."""
    meeting = f"{CLOCK_MARK} {format_clock(remaining) if remaining > 0 else 'TIME UP'}"
    if section is None:
        return meeting + (" left" if remaining > 0 else "")
    left = section.left
    return f"{meeting} ▶ {format_clock(left) if left > 0 else 'TIME UP'}"


class HeaderTitle(Label):
    """The checklist's title, release and operator, fitted to the width it is given."""

    def __init__(self, *, title: str, release: str | None, operator: str, id: str) -> None:
        super().__init__(id=id, markup=False)
        self._parts = (title, release, operator)

    def show_release(self, release: str | None) -> None:
        """Name the release (typed at finalize, once known); nothing when it is the same."""
        title, shown, operator = self._parts
        if release != shown:
            self._parts = (title, release, operator)
            self.refresh()

    def render(self) -> Text:
        title, release, operator = self._parts
        fitted = fit_header_title(title, release, operator, self.content_size.width)
        return Text(fitted, no_wrap=True, overflow="ellipsis")


class ReviewHeader(Horizontal):
    """One line: who and what on the left, the countdown and the probe progress on the right."""

    def __init__(self, *, title: str, release: str | None, operator: str) -> None:
        super().__init__()
        self._title = safe_text(title, keep_newlines=False)
        self._release = safe_text(release, keep_newlines=False) if release else None
        self._operator = safe_text(operator, keep_newlines=False)
        self._countdown = ""
        self._progress = (-1, -1, -1)

    def compose(self) -> ComposeResult:
        yield HeaderTitle(
            title=self._title, release=self._release, operator=self._operator, id="header-title"
        )
        yield Label("", id="header-countdown")
        yield Label("", id="header-progress")
        yield ProgressBar(id="header-bar", show_eta=False, show_percentage=False)

    def show_release(self, release: str | None) -> None:
        """Name the release once it is known (`--release`, or typed at finalize)."""
        shown = safe_text(release, keep_newlines=False) if release else None
        self.query_one(HeaderTitle).show_release(shown)

    def show_countdown(self, remaining: float, section: SectionTime | None = None) -> None:
        """Show the meeting's remaining seconds and the focused section's.

        At zero each says TIME UP (the overtime is not counted on: the room needs to know
        the time is spent, not by how much).
        """
        text = f" {countdown_text(remaining, section)} "
        if text == self._countdown:
            return
        self._countdown = text
        label = self.query_one("#header-countdown", Label)
        label.update(text, layout=False)  # fixed width in review.tcss
        section_up = section is not None and section.left <= 0
        label.set_class(0 < remaining <= WARNING_SECONDS and not section_up, "-warning")
        label.set_class(remaining <= 0 or section_up, "-over")

    def show_progress(self, done: int, total: int, running: int) -> None:
        """Show `probes done/total`, with a bar while some run (when the screen is wide)."""
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


__all__ = [
    "MIN_TITLE_CELLS",
    "WARNING_SECONDS",
    "HeaderTitle",
    "ReviewHeader",
    "countdown_text",
    "fit_header_title",
]
