"""The waiver dialog: the reason, who grants it and in which role, and until when.

The roles offered are those that may grant it first (the one selected), then the
checklist's other roles: picking one that may not grant it is refused in the dialog, with
who may (`policy.waivers`; past `max_releases` in a row, only the CTO). The expiry is a
date (2027-01-15), a number of releases (3 releases) or of days (30 days), prefilled with
the policy's default. The answer is checked by the caller's `check` before the dialog
closes: a refusal is shown in it and nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from gonogo_tui.ui.looks import safe_text
from gonogo_tui.ui.screens.modals import error_label, show_error


@dataclass(frozen=True)
class WaiverAnswer:
    """What the dialog collected."""

    reason: str
    approver: str
    role: str
    expiry: str
    """As typed: `2027-01-15`, `3 releases`, `30 days`."""


@dataclass(frozen=True)
class WaiverAsk:
    """What the dialog shows and offers."""

    criterion_id: str
    title: str
    status: str
    detail: str
    roles: tuple[str, ...]
    """The roles offered; the first is selected."""
    approver: str
    expiry: str
    hint: str = ""
    """`3rd release in a row waiving coverage (limit 3): only cto may grant it`."""


class WaiverModal(ModalScreen[WaiverAnswer | None]):
    """Waives a failing criterion: reason, approver, role and expiry are required."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        ask: WaiverAsk,
        check: Callable[[WaiverAnswer], str | None] | None = None,
        *,
        answer: WaiverAnswer | None = None,
        error: str | None = None,
    ) -> None:
        super().__init__(classes="waiver-modal")
        self.ask = ask
        self._check = check
        self._answer = answer
        self._error = error

    def compose(self) -> ComposeResult:
        ask = self.ask
        with Vertical(classes="dialog"):
            yield Label(
                Text(safe_text(f"Waive {ask.criterion_id} ({ask.status})")),
                classes="dialog-title dialog-head",
            )
            with Vertical(classes="dialog-answer"):
                yield Label("Reason (required; recorded with the approver and the time)")
                yield Input(
                    placeholder="why this may ship anyway", id="waiver-reason", compact=True
                )
                with Horizontal(classes="waiver-grant"):
                    yield Label("Granted by")
                    yield Input(placeholder="name", id="waiver-approver", compact=True)
                    yield Select(
                        [(role, role) for role in ask.roles],
                        value=ask.roles[0],
                        allow_blank=False,
                        id="waiver-role",
                        compact=True,
                    )
                with Horizontal(classes="waiver-grant"):
                    yield Label("Expires")
                    yield Input(
                        placeholder="2027-01-15, 3 releases, 30 days",
                        id="waiver-expiry",
                        compact=True,
                    )
                yield error_label()
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Waive", id="waive", variant="warning")
                    yield Button("Cancel (esc)", id="cancel")
            with VerticalScroll(classes="dialog-body"):
                if ask.hint:
                    yield Static(Text(safe_text(ask.hint)), classes="dialog-text -warning")
                yield Static(Text(safe_text(ask.title)), classes="dialog-text")
                if ask.detail:
                    yield Static(Text(safe_text(ask.detail)), classes="dialog-hint")

    def on_mount(self) -> None:
        answer = self._answer
        values = {
            "waiver-reason": answer.reason if answer else "",
            "waiver-approver": answer.approver if answer else self.ask.approver,
            "waiver-expiry": answer.expiry if answer else self.ask.expiry,
        }
        for field, value in values.items():
            self.query_one(f"#{field}", Input).value = value
        if answer is not None and answer.role in self.ask.roles:
            self.query_one("#waiver-role", Select).value = answer.role
        self.query_one("#waiver-reason", Input).focus()
        if self._error:
            show_error(self, self._error)

    def answer(self) -> WaiverAnswer:
        """What is typed and picked now."""
        role = self.query_one("#waiver-role", Select).value
        return WaiverAnswer(
            reason=self.query_one("#waiver-reason", Input).value.strip(),
            approver=" ".join(self.query_one("#waiver-approver", Input).value.split()),
            role=role if isinstance(role, str) else "",
            expiry=self.query_one("#waiver-expiry", Input).value.strip(),
        )

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#waive")
    def _waive(self) -> None:
        answer = self.answer()
        missing = next(
            (
                (field, text)
                for field, value, text in (
                    ("waiver-reason", answer.reason, "A waiver needs a reason."),
                    ("waiver-approver", answer.approver, "A waiver needs who grants it."),
                    ("waiver-expiry", answer.expiry, "A waiver needs an end."),
                )
                if not value
            ),
            None,
        )
        if missing is not None:
            show_error(self, missing[1])
            self.query_one(f"#{missing[0]}", Input).focus()
            return
        refusal = self._check(answer) if self._check is not None else None
        if refusal is not None:
            show_error(self, refusal)
            return
        self.dismiss(answer)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


__all__ = ["WaiverAnswer", "WaiverAsk", "WaiverModal"]
