"""Large block letters for the presenter's verdict, readable from the back of a room."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

_GLYPHS = {
    "G": [" ████", "█    ", "█  ██", "█   █", " ████"],
    "O": [" ███ ", "█   █", "█   █", "█   █", " ███ "],
    "N": ["█   █", "██  █", "█ █ █", "█  ██", "█   █"],
    "-": ["    ", "    ", "████", "    ", "    "],
    "R": ["████ ", "█   █", "████ ", "█  █ ", "█   █"],
    "E": ["█████", "█    ", "████ ", "█    ", "█████"],
    "V": ["█   █", "█   █", "█   █", " █ █ ", "  █  "],
    "I": ["███", " █ ", " █ ", " █ ", "███"],
    "W": ["█   █", "█   █", "█ █ █", "██ ██", "█   █"],
    "A": [" ███ ", "█   █", "█████", "█   █", "█   █"],
    "T": ["█████", "  █  ", "  █  ", "  █  ", "  █  "],
    "D": ["████ ", "█   █", "█   █", "█   █", "████ "],
    " ": ["  ", "  ", "  ", "  ", "  "],
}
GLYPH_HEIGHT = 5


def big_lines(word: str) -> list[str]:
    """`word` in block letters (five lines); unknown characters are left out."""
    glyphs = [_GLYPHS[ch] for ch in word.upper() if ch in _GLYPHS]
    return [" ".join(glyph[row] for glyph in glyphs) for row in range(GLYPH_HEIGHT)]


class BigText(Widget):
    """A word in block letters, centred; falls back to plain text when too narrow."""

    def __init__(self, word: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._word = word

    def show(self, word: str) -> None:
        """Show another word."""
        if word != self._word:
            self._word = word
            self.refresh()

    def render(self) -> Text:
        lines = big_lines(self._word)
        if lines and len(lines[0]) > self.size.width:
            return Text(self._word, justify="center")
        return Text("\n".join(lines), justify="center", no_wrap=True)


__all__ = ["BigText", "big_lines"]
