"""The NO-GO dialog: the reason, the action required and the next review (the seed's
NO-GO template). Its placeholders are examples (`e.g. ...`, dim and italic in app.tcss); a
missing answer is named and gets the cursor."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from gonogo_tui.core.records.model import NoGoDetails
from gonogo_tui.ui.screens.modals import FieldsModal, error_label, show_error


def _joined(names: list[str]) -> str:
    """`the reason`, `the reason and the next review`, `a, b and c`."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


class NoGoModal(FieldsModal[NoGoDetails]):
    """NO-GO: the reason, the action required and the next review (the seed's template)."""

    FIELDS = ("nogo-reason", "nogo-action", "nogo-next")
    NAMES = ("the reason", "the action required", "the next review")

    def __init__(self, default_reason: str) -> None:
        super().__init__()
        self._default_reason = default_reason

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide"):
            yield Label("Record NO-GO", classes="dialog-title")
            yield Label("Reason (specific failed checks)")
            yield Input(value=self._default_reason, id="nogo-reason", compact=True)
            yield Label("Action required")
            yield Input(
                placeholder="e.g. fix the backup job, then rerun its check",
                id="nogo-action",
                compact=True,
            )
            yield Label("Next review (date and time)")
            yield Input(placeholder="e.g. 2026-11-27 10:00 UTC", id="nogo-next", compact=True)
            yield error_label()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Record NO-GO", id="record", variant="error")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#nogo-action", Input).focus()

    @on(Button.Pressed, "#record")
    def _record(self) -> None:
        values = [self.query_one(f"#{f}", Input).value.strip() for f in self.FIELDS]
        missing = [name for name, value in zip(self.NAMES, values, strict=True) if not value]
        if missing:
            # Which field, and the cursor in the first of them: "all are required" left the
            # operator hunting for the empty one (a placeholder looks filled in).
            show_error(self, f"Missing: {_joined(missing)}.")
            first = self.FIELDS[values.index("")]
            self.query_one(f"#{first}", Input).focus()
            return
        self.dismiss(NoGoDetails(*values))


__all__ = ["NoGoModal"]
