"""A presenter tile: a section's title over its status and counts, which always stay in view."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.content import Content
from textual.widget import Widget


def fit_tile(title: str, status: str, width: int, height: int, number: str = "") -> Text:
    """`title` over `status`, centred in `width` x `height` cells.

    When both do not fit, the title gives up lines (its last kept line ends with an
    ellipsis): the status is what the room reads, and it must never depend on colour.
    With no line left for the title, the status starts with the section's `number` (`16.`)
    where it fits, so that the tile still says which section it is.
    Lines are measured with Textual's own wrapping, the one that draws them.
    """
    whole = Text(f"{title}\n{status}", justify="center")
    if width <= 0 or height <= 0:
        return whole
    status_height = len(Content(status).wrap(width))
    title_lines = [line.plain.rstrip() for line in Content(title).wrap(width)]
    room = height - status_height
    if len(title_lines) <= room:
        return whole
    if room <= 0:
        numbered = f"{number} {status}"
        if number and len(Content(numbered).wrap(width)) <= status_height:
            return Text(numbered, justify="center")
        return Text(status, justify="center")
    kept = title_lines[:room]
    kept[-1] = _with_ellipsis(kept[-1], width)
    return Text("\n".join([*kept, status]), justify="center")


def _with_ellipsis(line: str, width: int) -> str:
    """`line` ending with an ellipsis, in `width` cells."""
    while line and cell_len(line) + 1 > width:
        line = line[:-1]
    return line.rstrip() + "…"


class SectionTile(Widget):
    """One section in presenter mode; the status line is never cut off."""

    def __init__(self, title: str, *, number: int, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._title = title
        self._number = f"{number}."
        self._status = ""

    def show(self, title: str, status: str) -> None:
        """Show the section's title and its status line (symbol, word, counts)."""
        if (title, status) != (self._title, self._status):
            self._title, self._status = title, status
            self.refresh()

    def render(self) -> Text:
        if not self._status:
            return Text(self._title, justify="center")
        size = self.content_size
        return fit_tile(self._title, self._status, size.width, size.height, self._number)


__all__ = ["SectionTile", "fit_tile"]
