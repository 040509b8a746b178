"""A checkbox whose state reads without colour: `✔` when checked, blank when not."""

from __future__ import annotations

from textual.widgets import Checkbox


class MarkCheckbox(Checkbox):
    """Textual's checkbox draws `X` in both states and tells them apart by colour alone,
    which a projector or a colour-blind reader loses."""

    def watch_value(self) -> None:
        # Textual reads the glyph from this attribute each time it draws the button.
        self.BUTTON_INNER = "✔" if self.value else " "
        super().watch_value()

    def on_mount(self) -> None:
        self.BUTTON_INNER = "✔" if self.value else " "


__all__ = ["MarkCheckbox"]
