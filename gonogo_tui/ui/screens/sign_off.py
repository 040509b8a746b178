"""The sign-off dialog: shows which approvals the written record still needs and signs it
with a key the operator has (a key file, or a key held by ssh-agent)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from gonogo_tui.core.errors import GonogoError

if TYPE_CHECKING:
    from gonogo_tui.core.signing.sshkeys import SshPublicKey
    from gonogo_tui.core.signing.status import ApprovalStatus
from gonogo_tui.ui.screens.modals import error_label, show_error

ROLES = ("cto", "devops-lead", "product-owner", "senior-engineer")
AGENT_PREFIX = "agent:"
"""`agent:N` in the key field picks the N-th key ssh-agent holds (1-based)."""


class SignOffModal(ModalScreen[None]):
    """Collects approvers' signatures on a sealed record; escape closes it."""

    BINDINGS = [
        Binding("escape", "close", "Done"),
        Binding("ctrl+s", "sign", "Sign"),
    ]

    def __init__(self, record: Path, *, clock: Callable[[], datetime]) -> None:
        super().__init__(classes="sign-off-modal")
        self.record = record
        self._clock = clock
        self.signed: list[Path] = []
        """Signature files made in this dialog."""
        self._status: ApprovalStatus | None = None
        """The record's approvals as last read (`refresh_status`, after every signature)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide"):
            yield Label(Text(f"Sign off {self.record.stem}"), classes="dialog-title dialog-head")
            # Between the docked title and buttons the rest scrolls (80x24); focusing a
            # field scrolls it into view, so the container itself takes no focus.
            with VerticalScroll(classes="dialog-body", can_focus=False):
                yield Static("", id="sign-status", classes="dialog-text")
                yield Static("", id="agent-keys", classes="dialog-hint")
                # One line a field, each with its name: at 80x24 the framed fields pushed
                # the status out of view (scrolled away for the focused field).
                with Horizontal(classes="sign-row"):
                    yield Label("Role", classes="sign-label")
                    yield Select(
                        [(role, role) for role in ROLES],
                        value="cto",
                        id="sign-role",
                        allow_blank=False,
                        compact=True,
                    )
                    yield Label("Vote", classes="sign-label -second")
                    yield Select(
                        [("approve", "approve"), ("reject", "reject")],
                        value="approve",
                        id="sign-vote",
                        allow_blank=False,
                        compact=True,
                    )
                for name, field, placeholder in (
                    ("Principal", "sign-principal", "e.g. carol@example.com"),
                    ("Key", "sign-key", "~/.ssh/id_ed25519, a .pub held by ssh-agent, agent:1"),
                    ("Comment", "sign-comment", "optional"),
                ):
                    with Horizontal(classes="sign-row"):
                        yield Label(name, classes="sign-label")
                        yield Input(placeholder=placeholder, id=field, compact=True)
                yield error_label()
                yield Static("", id="sign-done", classes="dialog-hint")
            with Horizontal(classes="dialog-buttons dialog-answer"):
                yield Button("Sign (ctrl+s)", id="sign", variant="success")
                yield Button("Done (esc)", id="done")

    def on_mount(self) -> None:
        # The toasts up to here led to this dialog ("Press f to collect signatures"); at
        # 80x24 any toast covers part of it, and what it does is said in it.
        self.app.clear_notifications()
        self.refresh_status()
        self._list_agent_keys()
        self.query_one("#sign-principal", Input).focus()

    def refresh_status(self) -> None:
        """Show the policy's requirements for this record and what is still missing."""
        from gonogo_tui.core.signing import approval_status

        self._status = None
        try:
            status = approval_status(self.record)
        except GonogoError as exc:
            self.query_one("#sign-status", Static).update(Text(f"Approvals unknown: {exc}"))
            return
        self._status = status
        lines = [
            f"Decision {status.decision}: "
            + ("approvals complete" if status.satisfied else "waiting for signatures")
        ]
        for requirement in status.outcome.requirements:
            mark = "✔" if requirement.met else "○"
            who = ", ".join(requirement.approved_by) or "nobody yet"
            lines.append(f"  {mark} {requirement.label}: {who}")
        if not status.outcome.satisfied and not status.outcome.requirements:
            # A rule broken before any requirement is counted (one person in two roles):
            # the reason is what gonogo verify will say.
            lines.append(f"  ✘ {status.outcome.reason}")
        if status.missing:
            lines.append("Missing: " + ", ".join(status.missing))
        lines.extend(f"Problem: {problem}" for problem in status.problems)
        self.query_one("#sign-status", Static).update(Text("\n".join(lines)))

    @work(thread=True, group="sign-off:agent", exclusive=True, exit_on_error=False)
    def _list_agent_keys(self) -> None:
        from gonogo_tui.core.signing import list_agent_keys

        try:
            keys = list_agent_keys(timeout=3)
        except GonogoError:
            text = "No ssh-agent keys: give a key file."
        else:
            text = "ssh-agent keys: " + (
                ", ".join(f"{AGENT_PREFIX}{n} {k.comment}" for n, k in enumerate(keys, 1)) or "none"
            )
        self.app.call_from_thread(self.query_one("#agent-keys", Static).update, Text(text))

    def action_close(self) -> None:
        self.workers.cancel_group(self, "sign-off:sign")
        self.dismiss(None)

    @on(Button.Pressed, "#done")
    def _done(self) -> None:
        self.action_close()

    @on(Input.Submitted)
    @on(Button.Pressed, "#sign")
    def action_sign(self) -> None:
        principal = self.query_one("#sign-principal", Input).value.strip()
        key_text = self.query_one("#sign-key", Input).value.strip()
        if not principal:
            show_error(self, "Who signs? Enter the principal as in allowed_signers.")
            return
        if not key_text:
            show_error(self, "Which key? Enter a key path or agent:N.")
            return
        role = str(self.query_one("#sign-role", Select).value)
        conflict = self._conflict(role, principal)
        if conflict is not None:
            show_error(
                self, f"Not signed: {conflict}; gonogo verify refuses one person in two roles."
            )
            return
        self._sign(
            role=role,
            vote=str(self.query_one("#sign-vote", Select).value),
            principal=principal,
            key_text=key_text,
            comment=self.query_one("#sign-comment", Input).value.strip(),
        )

    def _conflict(self, role: str, principal: str) -> str | None:
        """The rule of `gonogo verify` this signature would break, checked before signing
        (None when the approvals could not be read: the status line says so)."""
        status = self._status
        return None if status is None else status.conflict_with(role, principal)

    @work(group="sign-off:sign", exclusive=True, exit_on_error=False)
    async def _sign(
        self, *, role: str, vote: str, principal: str, key_text: str, comment: str
    ) -> None:
        from gonogo_tui.core.signing import list_agent_keys, sign_record_async

        try:
            key: Path | SshPublicKey
            if key_text.startswith(AGENT_PREFIX):
                keys = list_agent_keys(timeout=3)
                index = int(key_text[len(AGENT_PREFIX) :]) - 1
                if not 0 <= index < len(keys):
                    raise GonogoError(f"{key_text}: ssh-agent holds {len(keys)} key(s)")
                key = keys[index].key
            else:
                key = Path(key_text).expanduser()
            signature = await sign_record_async(
                self.record,
                role=role,
                principal=principal,
                key_path=key,
                vote=vote,
                comment=comment,
                now=self._clock,
            )
        except (GonogoError, ValueError) as exc:
            show_error(self, str(exc))
            return
        self.signed.append(signature)
        self.query_one(".dialog-error", Label).display = False
        self.query_one("#sign-principal", Input).value = ""
        self.query_one("#sign-comment", Input).value = ""
        # In the dialog, not a toast: at 80x24 a toast covered the buttons.
        done = self.query_one("#sign-done", Static)
        done.update(Text(f"Signed as {role} ({principal}), beside the record."))
        done.display = True
        self.refresh_status()


__all__ = ["AGENT_PREFIX", "SignOffModal"]
