"""The first screen of a review whose checklist has not been trusted here: what it will
execute and where it sends which variables (`core.trust.TrustPlan.lines`), then accept or
quit. No probe starts before the operator accepts."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from gonogo_tui.core.trust import TRUSTED_FILE, TrustPlan
from gonogo_tui.ui.looks import safe_text


class TrustModal(ModalScreen[bool]):
    """Shows a checklist's plan; `a` accepts (True), `q` or escape quits (False); the arrow
    keys and page keys scroll the plan."""

    BINDINGS = [
        Binding("a", "answer(True)", "Accept and run"),
        Binding("q,escape", "answer(False)", "Quit"),
        # The buttons hold the focus; the plan scrolls from the keyboard all the same.
        Binding("down,j", "scroll_plan(1)", "Scroll", show=False),
        Binding("up,k", "scroll_plan(-1)", "Scroll", show=False),
        Binding("pagedown", "scroll_plan(10)", "Page", show=False),
        Binding("pageup", "scroll_plan(-10)", "Page", show=False),
    ]

    def __init__(self, plan: TrustPlan) -> None:
        super().__init__(classes="confirm-modal trust-modal")
        self._plan = plan

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide -trust"):
            yield Label(
                "This checklist has not run here: read what it will do",
                classes="dialog-title dialog-head",
            )
            with Horizontal(classes="dialog-buttons dialog-answer"):
                yield Button("Accept and run (a)", id="accept", variant="warning")
                yield Button("Quit, run nothing (q)", id="quit", variant="primary")
            with VerticalScroll(classes="dialog-body", id="trust-plan"):
                text = "\n".join(safe_text(line) for line in self._plan.lines())
                yield Static(Text(text), classes="dialog-text")
                yield Static(
                    Text(
                        f"Accept records its digest in the evidence folder ({TRUSTED_FILE}): "
                        "this file, unchanged, is not asked about again."
                    ),
                    classes="dialog-hint",
                )

    def on_mount(self) -> None:
        # Quit has the keyboard first: enter must not run a stranger's commands.
        self.query_one("#quit", Button).focus()

    def action_scroll_plan(self, lines: int) -> None:
        plan = self.query_one("#trust-plan", VerticalScroll)
        plan.scroll_relative(y=lines, animate=False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed, "#accept")
    def _accepted(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#quit")
    def _quit(self) -> None:
        self.dismiss(False)
