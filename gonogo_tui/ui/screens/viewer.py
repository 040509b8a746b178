"""Read-only screens for attendees: the review as the operator's journal says, and a wait.

`ViewerScreen` is the review screen fed by a `FollowedJournal`: it starts no probe, refuses
every action that would change the meeting (its journal could not record it anyway), and
re-reads the operator's journal a few times a second. Navigation, the detail pane, the
presenter view and help work as in the operator's terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Static

from gonogo_tui.core.journal import READ_ONLY, FollowedJournal
from gonogo_tui.ui.deps import ReviewContext
from gonogo_tui.ui.screens.review import ReviewScreen
from gonogo_tui.ui.session import ReviewSession

POLL_SECONDS = 0.25
"""How often a viewer looks at the operator's journal."""
OPERATOR_ACTIONS = frozenset(
    {
        "rerun_selected",
        "rerun_section",
        "rerun_all",
        "toggle_tick",
        "waive",
        "note",
        "finalize",
        "walkthrough",
    }
)
"""Actions that change the meeting: only the operator's terminal has them."""


class ViewerScreen(ReviewScreen):
    """The review, read-only, following the operator's journal."""

    # Both sheets: a screen loads only its own class's CSS_PATH (the review's is a str).
    CSS_PATH = ["review.tcss", "viewer.tcss"]  # type: ignore[assignment]

    def __init__(self, ctx: ReviewContext, journal: FollowedJournal) -> None:
        # The countdown runs from the start of the operator's meeting (the session's journal
        # started then), not from this view.
        super().__init__(ReviewSession(ctx, journal), probe_ids=())
        self.followed = journal

    def compose(self) -> ComposeResult:
        operator = self.followed.info.operator
        yield Static(
            f" READ-ONLY VIEW · {operator} runs this review; this screen follows it",
            id="viewer-banner",
            markup=False,
        )
        yield from super().compose()

    def on_mount(self) -> None:
        self.set_interval(POLL_SECONDS, self.follow)

    def follow(self) -> None:
        """Re-reads the operator's journal and shows what changed (the timer calls this);
        the poll opens by itself when the operator's first answer arrives."""
        before = len(self.followed.state.poll_answers)
        if self.followed.poll():
            self.publish()
            if not before and self.followed.state.poll_answers and self.app.screen is self:
                self.action_poll()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hides the operator's actions from the footer and the keys."""
        if action in OPERATOR_ACTIONS:
            return False
        return super().check_action(action, parameters)

    def request_tick(self, cid: str) -> None:
        """Refused: reached only through a widget, never a key, on this screen."""
        self.notify(READ_ONLY, severity="warning")

    def request_waiver(self, cid: str) -> None:
        """Refused, as `request_tick`."""
        self.notify(READ_ONLY, severity="warning")


class WaitingScreen(Screen[None]):
    """Shown until the operator's review has started writing its journal."""

    CSS_PATH = "viewer.tcss"

    def __init__(self, evidence_dir: Path, look: Callable[[], bool]) -> None:
        super().__init__()
        self._evidence_dir = evidence_dir
        self._look = look

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Static(
                "Waiting for the operator's review to start\n"
                f"(no session journal in {self._evidence_dir} yet)",
                id="viewer-waiting",
                markup=False,
            )

    def on_mount(self) -> None:
        self.set_interval(POLL_SECONDS, self._poll)

    def _poll(self) -> None:
        self._look()


__all__ = ["OPERATOR_ACTIONS", "POLL_SECONDS", "ViewerScreen", "WaitingScreen"]
