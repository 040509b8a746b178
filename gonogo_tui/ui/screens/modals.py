"""Small dialogs: confirm, resume, tick note and note (the waiver's is `waiver_dialog.py`).
Each returns its answer via `dismiss`; the caller decides what happens next.

A dialog showing a text of any length (a criterion's title and detail, a reason, an error)
docks its answer (input, buttons) at the bottom and lets the text scroll (app.tcss). The
answer is composed before the text, so it is first in the focus order: the input, or the
first button, has the keyboard when the dialog opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Checkbox, Input, Label, Static

from gonogo_tui.ui.looks import safe_text
from gonogo_tui.ui.widgets.check_box import MarkCheckbox

_T = TypeVar("_T")


def _plain(text: str) -> Text:
    """Untrusted one-line text for a Static: escaped, never markup."""
    return Text(safe_text(text))


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question; `y` confirms, `n` or escape declines."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, title: str, message: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__(classes="confirm-modal")
        self._title = title
        self._message = message
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(_plain(self._title), classes="dialog-title dialog-head")
            with Horizontal(classes="dialog-buttons dialog-answer"):
                yield Button(f"{self._yes} (y)", id="yes", variant="primary")
                yield Button(f"{self._no} (n)", id="no")
            with VerticalScroll(classes="dialog-body"):
                yield Static(_plain(self._message), classes="dialog-text")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed, "#yes")
    def _yes_pressed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no_pressed(self) -> None:
        self.dismiss(False)


class ResumeModal(ConfirmModal):
    """Offers to resume an unfinished session of the same checklist."""

    def __init__(self, summary: str, path: str) -> None:
        super().__init__(
            "Resume the unfinished review?",
            f"An unfinished review of this checklist was found: {summary}.\nJournal: {path}",
            yes="Resume",
            no="Start fresh",
        )


class ErrorModal(ModalScreen[None]):
    """Says what went wrong; enter or escape closes it."""

    BINDINGS = [Binding("escape,enter", "close", "Close")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__(classes="error-modal")
        self._title = title
        self._message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -error"):
            yield Label(_plain(self._title), classes="dialog-title dialog-head")
            with Horizontal(classes="dialog-buttons dialog-answer"):
                yield Button("Close", id="close", variant="primary")
            with VerticalScroll(classes="dialog-body"):
                yield Static(_plain(self._message), classes="dialog-text")

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)


def error_label() -> Label:
    """A hidden line that says why an answer cannot be accepted yet."""
    label = Label("", classes="dialog-error")
    label.display = False
    return label


def show_error(screen: Screen[Any], message: str) -> None:
    """Show `message` in the dialog's error line, scrolled into view: in a dialog whose
    fields scroll (the override at 80x24) it is below the last field, out of sight."""
    error = screen.query_one(".dialog-error", Label)
    error.update(_plain(message))
    error.display = True
    screen.call_after_refresh(error.scroll_visible, animate=False)


def restore_answer(screen: Screen[Any], field: str, value: str, error: str | None) -> None:
    """Put back what the operator typed, with why it was not recorded (a dialog reopened
    after the journal could not be written: nothing typed is lost)."""
    field_input = screen.query_one(f"#{field}", Input)
    field_input.value = value
    field_input.cursor_position = len(value)
    if error:
        show_error(screen, error)


class FieldsModal(ModalScreen[_T | None]):
    """A dialog of text fields answered in order (`FIELDS`, their ids): enter moves to the
    next field and on the last one records (`_record`); escape and Cancel answer None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    FIELDS: tuple[str, ...] = ()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        index = self.FIELDS.index(event.input.id or "")
        if index + 1 < len(self.FIELDS):
            self.query_one(f"#{self.FIELDS[index + 1]}", Input).focus()
        else:
            self._record()

    def _record(self) -> None:
        raise NotImplementedError

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class TickNoteModal(ModalScreen[str | None]):
    """Ticks a manual criterion, with an optional note; escape cancels the tick."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        criterion_id: str,
        title: str,
        why_manual: str | None,
        *,
        note: str = "",
        error: str | None = None,
    ) -> None:
        super().__init__()
        self._criterion_id = criterion_id
        self._title = title
        self._why = why_manual
        self._restore = (note, error)

    def on_mount(self) -> None:
        restore_answer(self, "tick-note", *self._restore)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(_plain(f"Tick {self._criterion_id}"), classes="dialog-title dialog-head")
            with Vertical(classes="dialog-answer"):
                yield Label("Note (optional)")
                yield Input(placeholder="e.g. confirmed on the call", id="tick-note", compact=True)
                yield error_label()
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Tick", id="tick", variant="success")
                    yield Button("Cancel (esc)", id="cancel")
            with VerticalScroll(classes="dialog-body"):
                yield Static(_plain(self._title), classes="dialog-text")
                if self._why:
                    yield Static(_plain(self._why), classes="dialog-hint")

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#tick")
    def _tick(self) -> None:
        self.dismiss(self.query_one("#tick-note", Input).value.strip())

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class NoteAnswer:
    """A note and what it is about."""

    text: str
    criterion_id: str | None


class NoteModal(ModalScreen[NoteAnswer | None]):
    """Adds a note to the meeting, about the selected criterion unless unchecked."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        criterion_id: str | None,
        *,
        text: str = "",
        about: bool = True,
        error: str | None = None,
    ) -> None:
        super().__init__()
        self._criterion_id = criterion_id
        self._about = about
        self._restore = (text, error)

    def on_mount(self) -> None:
        restore_answer(self, "note-text", *self._restore)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Add a note", classes="dialog-title")
            yield Input(placeholder="what was said or decided", id="note-text", compact=True)
            if self._criterion_id is not None:
                yield MarkCheckbox(
                    Text(f"About {safe_text(self._criterion_id)}"),
                    value=self._about,
                    id="note-about",
                )
            yield error_label()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", id="add", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#add")
    def _add(self) -> None:
        text = self.query_one("#note-text", Input).value.strip()
        if not text:
            show_error(self, "The note is empty.")
            return
        about = None
        if self._criterion_id is not None and self.query_one("#note-about", Checkbox).value:
            about = self._criterion_id
        self.dismiss(NoteAnswer(text, about))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


__all__ = [
    "ConfirmModal",
    "ErrorModal",
    "error_label",
    "show_error",
    "NoteAnswer",
    "NoteModal",
    "ResumeModal",
    "TickNoteModal",
]
