"""The poll's one small dialog: a few text fields (a reason, a stand-in, the CTO and why)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from gonogo_tui.ui.looks import safe_text
from gonogo_tui.ui.screens.modals import error_label, show_error

Field = tuple[str, str, bool]
"""A field: its label, its placeholder, whether it is required."""


class AskModal(ModalScreen[tuple[str, ...] | None]):
    """Asks for each field in turn: `enter` moves to the next, on the last it answers;
    `escape` cancels. A required field left empty is refused in place."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, fields: list[Field]) -> None:
        super().__init__(classes="poll-ask")
        self._title = title
        self._fields = fields

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(safe_text(self._title)), classes="dialog-title")
            for number, (label, placeholder, _) in enumerate(self._fields):
                yield Label(label)
                yield Input(placeholder=placeholder, id=f"ask-{number}", compact=True)
            yield error_label()
            yield Label("enter: record · esc: cancel", classes="dialog-hint")

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input).results(Input))
        for field_input, (label, _, required) in zip(inputs, self._fields, strict=True):
            if required and not field_input.value.strip():
                show_error(self, f"{label.split(' (')[0]} is required.")
                field_input.focus()
                return
        position = inputs.index(event.input)
        if position < len(inputs) - 1 and not inputs[position + 1].value.strip():
            inputs[position + 1].focus()
            return
        self.dismiss(tuple(field_input.value.strip() for field_input in inputs))


__all__ = ["AskModal"]
