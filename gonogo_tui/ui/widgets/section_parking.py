"""Which of the review's section panels are live, parked or unparked, from where the view is.

See `SectionPanel`: with a hundred sections, Textual's work on a thousand rows would make
each key wait, so panels far from the view park and those near it stay ready.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.containers import Grid, VerticalScroll
from textual.screen import Screen

from gonogo_tui.ui.widgets.criterion_row import CriterionRow
from gonogo_tui.ui.widgets.section_panel import SectionPanel

PARK_NEAR = 1.0
"""Section panels within this many heights of the view from it are never parked (see
`SectionPanel`): a key that moves a section or two never waits for a panel to unpark."""
PARK_AHEAD = 2.0
"""When a near panel has to unpark, every panel within this many heights of the view does:
scrolling on, the next few keys find their panels ready (each unparking is a layout)."""
PARK_FAR = 2.5
"""Panels further than this many heights from the view park, along with an unparking or
once PARK_BATCH of them are waiting."""
PARK_BATCH = 16


class SectionParking:
    """The review screen's section panels, their rows and the selection's place among them.

    Args:
        screen: the screen the panels are on (inside `#sections` > `#section-grid`).
        panels: the section panels, in order.
        selected: returns the selected criterion's id.
    """

    def __init__(
        self, screen: Screen[Any], panels: list[SectionPanel], selected: Callable[[], str | None]
    ) -> None:
        self._screen = screen
        self.panels = panels
        self.panel_of = {cid: panel for panel in panels for cid in panel.rows}
        """Each criterion's panel."""
        self._selected = selected
        self._rows: dict[str, CriterionRow] = {}
        self._short = False

    def rows(self) -> dict[str, CriterionRow]:
        """Every criterion's row, by id."""
        if not self._rows:
            self._rows = {row.criterion_id: row for row in self._screen.query(CriterionRow)}
        return self._rows

    def show_selection(self, old: str | None, new: str | None) -> None:
        """Move the selection's class from `old` to `new` and bring `new` into view."""
        rows = self.rows()
        if old is not None and old in rows:
            rows[old].remove_class("-selected")
        if new is not None and new in rows:
            rows[new].add_class("-selected")
            panel = self.panel_of[new]
            if panel.parked:
                # A parked row has no place on the screen yet: scroll once it has one.
                panel.set_live(True)
                self._screen.call_after_refresh(self.scroll_to_selected)
            else:
                panel.set_live(True)
                self.scroll_to_selected()

    def scroll_to_selected(self) -> None:
        """Scroll the selected row into view (once its panel is unparked)."""
        row = self.rows().get(self._selected() or "")
        if row is not None and not row.parked:
            self._screen.query_one("#sections", VerticalScroll).scroll_to_widget(row, animate=False)

    def follow_view(self, _screen: Screen[object] | None = None) -> None:
        """Sort the section panels by their distance from the view (see `SectionPanel`):
        those in view go live. Once a panel near the view (PARK_NEAR) is parked, those up
        to PARK_AHEAD views away unpark and those beyond PARK_FAR park, in one layout.
        Runs when the view scrolls (before the frame) and after every layout."""
        sections = self._screen.query_one("#sections", VerticalScroll)
        height = sections.outer_size.height
        if not height or not self.panels:
            return
        short = self._screen.has_class("-short")
        if short != self._short:  # passing rows fold, or no longer: parked heights change
            self._short = short
            for row in self.rows().values():
                row.set_fold(short)
            for panel in self.panels:
                panel.fit_parked(short=short)
        top = round(sections.scroll_y)
        spans = self.panel_spans()
        keep = self.panel_of.get(self._selected() or "")

        def within(panel: SectionPanel, span: tuple[int, int], views: float) -> bool:
            margin = round(height * views)
            return panel is keep or (span[0] < top + height + margin and span[1] > top - margin)

        pairs = list(zip(self.panels, spans, strict=True))
        if any(p.parked and within(p, span, PARK_NEAR) for p, span in pairs) or (
            sum(1 for p, span in pairs if not p.parked and not within(p, span, PARK_FAR))
            >= PARK_BATCH
        ):
            for panel, span in pairs:
                if within(panel, span, PARK_AHEAD):
                    panel.unpark()
                elif not within(panel, span, PARK_FAR):
                    panel.park(short=short)
        for panel, span in pairs:
            if not panel.parked:
                # On short screens a row's state decides whether it takes a line.
                panel.set_live(short or within(panel, span, 0))

    def panel_spans(self) -> list[tuple[int, int]]:
        """Each panel's first and last line + 1 inside the scrolled grid, from the sizes of
        the last layout and the grid's columns: asking Textual for the panels' regions
        would make it arrange every widget again after each scroll."""
        grid = self._screen.query_one("#section-grid", Grid)
        columns = max(grid.styles.grid_size_columns, 1)
        gutter = grid.styles.grid_gutter_horizontal  # between rows (vertical: columns)
        spans: list[tuple[int, int]] = []
        y = 0
        for start in range(0, len(self.panels), columns):
            heights = [panel.outer_size.height for panel in self.panels[start : start + columns]]
            spans += [(y, y + h) for h in heights]
            y += max(heights) + gutter
        return spans


__all__ = ["PARK_AHEAD", "PARK_BATCH", "PARK_FAR", "PARK_NEAR", "SectionParking"]
