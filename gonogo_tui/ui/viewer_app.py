"""ViewerApp: what `gonogo view` (one per browser of `gonogo review --serve`) runs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from textual import events

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.clock import utc_now
from gonogo_tui.core.engine import Runner
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.journal import FollowedJournal, find_session_journal, journal_in_use
from gonogo_tui.ui.app import GonogoApp
from gonogo_tui.ui.deps import Clock
from gonogo_tui.ui.screens.viewer import ViewerScreen, WaitingScreen

SESSION_CHECK_SECONDS = 1.0
"""How often a viewer looks for a newer session of the operator (one started afresh)."""


class ViewerApp(GonogoApp):
    """The review of another process, read-only: no probes, no journal of its own.

    Args:
        checklist: the checklist the operator reviews (the same file).
        runner: only asked for probe timeouts (the detail pane shows them); never runs.
        evidence_dir: the operator's evidence folder, where its journal is.
        clock: the current time, timezone-aware UTC.
    """

    TITLE = "gonogo (read-only)"

    def __init__(
        self,
        checklist: Checklist,
        runner: Runner,
        *,
        evidence_dir: Path,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(
            checklist, runner, evidence_dir=evidence_dir, operator="viewer", clock=clock
        )
        self._waiting: WaitingScreen | None = None

    def _on_mount(self, event: events.Mount) -> None:
        # GonogoApp.on_mount opens (and writes) a session; a viewer only looks for one, so
        # the default handlers up the class tree are skipped.
        event.prevent_default()
        if not self.look_for_session():
            self._waiting = WaitingScreen(self.ctx.evidence_dir, self.look_for_session)
            self.push_screen(self._waiting)
        self.set_interval(SESSION_CHECK_SECONDS, self.follow_newer_session)

    def look_for_session(self) -> bool:
        """Opens the operator's session if its journal exists; True once it is shown."""
        if self.review is not None:
            return True
        path = find_session_journal(self.ctx.evidence_dir, self.ctx.checklist)
        if path is None:
            return False
        try:
            journal = FollowedJournal(path)
        except EvidenceError as exc:
            self.log.warning(f"cannot follow {path}: {exc}")
            return False
        info = journal.info
        self.ctx = dataclasses.replace(self.ctx, operator=info.operator, release=info.release)
        self.review = ViewerScreen(self.ctx, journal)
        if self._waiting is not None:
            self.switch_screen(self.review)
        else:
            self.push_screen(self.review)
        return True

    def follow_newer_session(self) -> None:
        """Moves to the operator's newer session once the followed one is no longer held.

        A viewer that joined while the operator was still choosing whether to resume found
        the old unfinished journal; choosing "start fresh" writes a new one, and attendees
        follow that one from then on. A session a running review holds is never left.
        """
        if not self.screen_stack:  # the viewer is closing: its screens are already gone
            return
        current = self.screen
        if not isinstance(current, ViewerScreen):
            return  # not shown yet, or a modal (help) is open: the next check switches
        path = find_session_journal(self.ctx.evidence_dir, self.ctx.checklist)
        if path is None or path == current.followed.path or journal_in_use(current.followed.path):
            return
        try:
            journal = FollowedJournal(path)
        except EvidenceError as exc:
            self.log.warning(f"cannot follow {path}: {exc}")
            return
        info = journal.info
        self.ctx = dataclasses.replace(self.ctx, operator=info.operator, release=info.release)
        self.review = ViewerScreen(self.ctx, journal)
        self.switch_screen(self.review)

    async def action_quit(self) -> None:
        """Leave the view; the meeting goes on in the operator's terminal."""
        self.exit()


__all__ = ["ViewerApp"]
