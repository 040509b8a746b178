"""GonogoApp: takes the review's dependencies, opens (or resumes) the session, wires screens."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.clock import utc_now
from gonogo_tui.core.engine import Runner
from gonogo_tui.core.errors import EvidenceError, GonogoError
from gonogo_tui.core.execution.probe_loop import ProbeLoop
from gonogo_tui.core.journal import Journal, ResumableSession, find_changed, find_resumable
from gonogo_tui.core.records.finalize import complete_interrupted
from gonogo_tui.core.trust import TrustPlan, record_trust
from gonogo_tui.ui.deps import Clock, ReviewContext
from gonogo_tui.ui.looks import safe_text
from gonogo_tui.ui.palette import ReviewCommands
from gonogo_tui.ui.screens.help import HelpScreen
from gonogo_tui.ui.screens.modals import ConfirmModal, ResumeModal
from gonogo_tui.ui.screens.review import ReviewScreen
from gonogo_tui.ui.screens.trust import TrustModal
from gonogo_tui.ui.screens.walkthrough import WalkthroughScreen
from gonogo_tui.ui.session import ReviewSession
from gonogo_tui.ui.terminal import StopSignals, review_driver

DEFAULT_DURATION = 600.0
"""The meeting's length: the seed's 10 minutes."""
GC_THRESHOLDS = (5000, 20, 100)
"""Garbage collector thresholds while the review runs (Python's are 700, 10, 10). Each
probe run leaves a few dozen objects in reference cycles (its Textual worker and asyncio
task, the HTTP client's response) that only the collector frees; with a thousand probes
rerunning, Python's defaults made a full collection of the whole heap (about 200 ms, with
every thread stopped) more than once a second. Fewer, larger young collections and rare
full ones, over a heap frozen once the review is on screen, keep the pauses to tens of
milliseconds (docs/benchmarks.md, "The review at 1,000 probes")."""


class GonogoApp(App[None]):
    """The live go/no-go review.

    Args:
        checklist: the loaded checklist.
        runner: runs one criterion's probe (`ProbeRunner`, or a fake in tests).
        evidence_dir: where the journal, walkthrough summary and record are written.
        operator: who runs the meeting.
        clock: the current time, timezone-aware UTC.
        release: the release label (default: the checklist's).
        duration: meeting length in seconds for the countdown.
        walkthrough: open the walkthrough over the review.
        probe_thread: run the probes on an event loop in a thread of their own (see
            `ProbeLoop`), so their set-up never delays a key press.
        resume: resume an unfinished session of the same checklist without asking (True),
            never (False), or ask when there is one (None).
        tune_gc: while the app runs, use GC_THRESHOLDS and, once the review is on screen,
            exempt every object that exists then (the checklist, the widgets, the
            libraries) from garbage collection (`gc.freeze`); both are undone on exit.
        trust: the plan of a checklist not trusted here: shown first, and nothing runs
            (no session, no probe) until the operator accepts; quitting exits with code 2.
        evidence_removed_on_exit: the evidence folder is a temp dir removed on exit (the
            demo's): quitting says so and asks, also after finalizing.
    """

    CSS_PATH = "app.tcss"
    TITLE = "gonogo"
    COMMANDS = App.COMMANDS | {ReviewCommands}
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False, priority=True)]

    def __init__(
        self,
        checklist: Checklist,
        runner: Runner,
        *,
        evidence_dir: Path,
        operator: str,
        clock: Clock = utc_now,
        release: str | None = None,
        duration: float = DEFAULT_DURATION,
        walkthrough: bool = False,
        probe_thread: bool = True,
        resume: bool | None = None,
        tune_gc: bool = False,
        trust: TrustPlan | None = None,
        evidence_removed_on_exit: bool = False,
    ) -> None:
        super().__init__()
        self.driver_class = review_driver(self.driver_class)
        self._evidence_removed_on_exit = evidence_removed_on_exit
        self._trust = trust
        self.notice: str | None = None
        """Said once the screen is up (`--serve`'s URL: the screen hides what was printed)."""
        self._quitting = False
        """Set once quitting is decided: keys still arriving are dropped."""
        self._tune_gc = tune_gc
        self._gc_thresholds: tuple[int, int, int] | None = None
        self._probe_loop = ProbeLoop(runner) if probe_thread else None
        self.ctx = ReviewContext(
            checklist=checklist,
            runner=self._probe_loop or runner,
            clock=clock,
            evidence_dir=evidence_dir,
            operator=operator,
            release=release or checklist.release,
            duration=duration,
        )
        self.sub_title = checklist.title
        self._walkthrough = walkthrough
        self._resume = resume
        self.review: ReviewScreen | None = None
        """The review screen, once the session is open."""
        self.error: str | None = None
        """Why the session could not open (the app exits with code 2): `gonogo review`
        prints it as its one-line error once the terminal is restored."""
        self.stop_signals = StopSignals(self._close_unasked)  # taken over by `run`

    def run(self, *args: Any, **kwargs: Any) -> None:
        """Run on this terminal (Textual's `App.run`).

        Raises:
            GonogoError: there is no terminal to run on (standard input is not one, as in a
                CI job or under `nohup`), where the screen would only write escape codes
                nobody reads until someone kills it. Headless runs and textual-serve's web
                driver (`TEXTUAL_DRIVER`) need none.
        """
        if not kwargs.get("headless") and not _has_terminal():
            raise GonogoError(
                "the review needs a terminal, and standard input is not one; for a run "
                "without a screen (CI), use `gonogo check` (`gonogo demo --check` on the demo)"
            )
        self.stop_signals.wanted = True
        return super().run(*args, **kwargs)

    def _close_unasked(self) -> None:  # a stop signal (SIGHUP, SIGTERM): as quitting does
        if not self._quitting:
            self.call_later(self._close)

    def on_mount(self) -> None:
        self.stop_signals.install()
        if self._tune_gc:
            self._gc_thresholds = gc.get_threshold()
            gc.set_threshold(*GC_THRESHOLDS)
        if self.notice:
            self.notify(self.notice, timeout=120)
        if self._trust is None:
            self._start()
            return
        plan = self._trust

        def answer(accepted: bool | None) -> None:
            if not accepted:
                self.error = f"{plan.path}: not trusted, nothing was run"
                self.exit(return_code=2)
                return
            try:
                record_trust(self.ctx.evidence_dir, plan)
            except EvidenceError as exc:
                self.notify(str(exc), severity="error", timeout=15)
            self._start()

        self.push_screen(TrustModal(plan), answer)

    def _start(self) -> None:
        """Open (or offer to resume) the session; the probes start with the review."""
        resumable = None
        if self._resume is not False:
            resumable = find_resumable(self.ctx.evidence_dir, self.ctx.checklist)
        if resumable is None and self._resume is None:
            changed = find_changed(self.ctx.evidence_dir, self.ctx.checklist)
            if changed is not None:
                self._complete_interrupted(changed)
                self.open_session(None)
                self._tell_not_resumed(changed)
                return
        if resumable is None or self._resume:
            self.open_session(resumable)
            return

        def answer(resume: bool | None) -> None:
            if not resume:
                self._complete_interrupted(resumable)
            self.open_session(resumable if resume else None)

        self.push_screen(ResumeModal(resumable.summary(), str(resumable.path)), answer)

    def _tell_not_resumed(self, old: ResumableSession) -> None:
        """An unfinished session of an earlier version of the checklist file: say where
        its ticks, waivers and notes are, since the screen starts without them."""
        message = (
            f"Not resumed: the checklist changed since {old.path.name} "
            f"({old.summary()}). That journal is kept in {old.path.parent}; "
            "this review starts afresh."
        )
        self.log.warning(message)
        self.notify(message, title="Checklist changed", severity="warning", timeout=30)

    def _complete_interrupted(self, old: ResumableSession) -> None:
        """Starting afresh: the old session's decision record, if a crash interrupted its
        writing, is still completed (the decision was taken)."""
        if old.state.pending is None:
            return
        ctx = self.ctx
        try:
            outcome = complete_interrupted(
                old.path, operator=ctx.operator, now=ctx.clock, evidence_dir=ctx.evidence_dir
            )
        except EvidenceError as exc:
            self.notify(f"Interrupted record not completed: {exc}", severity="error", timeout=10)
            return
        if outcome is not None:
            self.notify(
                f"The previous session's {outcome.finalized.display_decision} record was "
                f"completed: {outcome.paths.txt}",
                timeout=10,
            )

    def open_session(self, resumable: ResumableSession | None) -> None:
        """Create or resume the journal and show the review; all missing probes start."""
        ctx = self.ctx
        try:
            if resumable is not None:
                journal = Journal.resume(resumable.path, operator=ctx.operator, now=ctx.clock)
            else:
                journal = Journal.create(
                    ctx.evidence_dir,
                    ctx.checklist,
                    operator=ctx.operator,
                    release=ctx.release,
                    now=ctx.clock,
                )
        except EvidenceError as exc:
            self.error = str(exc)
            self.exit(return_code=2)
            return
        measured = journal.state.results
        probe_ids = [
            c.id for _, c in ctx.checklist.criteria() if not c.is_manual and c.id not in measured
        ]
        session = ReviewSession(ctx, journal)
        self.review = ReviewScreen(session, probe_ids=probe_ids)
        self.push_screen(self.review)
        if self._tune_gc:
            self.call_after_refresh(gc.freeze)
        if resumable is not None:
            self.notify(f"Resumed {resumable.path.name}: nothing on screen was lost.")
        if session.waivers.problem:  # a broken ledger: the meeting goes on, nothing carried
            self.notify(session.waivers.problem, severity="warning", timeout=15)
        if self._walkthrough:
            self.push_screen(WalkthroughScreen(session))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a notification as plain text, whatever `markup` says (every widget's
        `notify` passes True): they carry paths, names, ids and error messages, and
        `[/]` in an evidence folder's name made the toast raise and end the meeting."""
        super().notify(
            safe_text(message),
            title=safe_text(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def action_help_quit(self) -> None:
        """Ctrl+C says which key quits. Textual's own hint is written in markup, which this
        app's plain-text `notify` would show as `[b]q[/b]`."""
        for key, active_binding in self.active_bindings.items():
            if active_binding.binding.action in ("quit", "app.quit"):
                self.notify(f"Press {key} to quit.", title="Do you want to quit?")
                return

    def action_open_help(self) -> None:
        """Show every key."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        """Quit; asks first while the meeting is not finalized (the journal keeps it all)."""
        review = self.review
        removed = self._evidence_removed_on_exit
        if review is None or (review.finalized and not removed):
            await self._close()
            return
        if isinstance(self.screen, ConfirmModal):
            return

        async def answer(confirmed: bool | None) -> None:
            if confirmed:
                await self._close()

        if removed:
            # The demo's evidence folder is a temp dir: say so before the record goes.
            what = "the decision record and the journal" if review.finalized else "the journal"
            title = "Quit the demo?" if review.finalized else "Quit without a decision?"
            body = (
                f"The demo removes its evidence folder on exit, and {what} with it "
                f"({self.ctx.evidence_dir}). To keep them, run the demo with "
                "`--evidence-dir DIR`."
            )
        else:
            title = "Quit without a decision?"
            body = (
                "The meeting is not finalized. Everything so far is in the journal; "
                "`gonogo review` on this checklist offers to resume it."
            )
        self.push_screen(ConfirmModal(title, body, yes="Quit", no="Stay"), answer)

    async def _close(self) -> None:
        """Stop the probes (their child processes end with them), close the journal, exit."""
        self._quitting = True
        if self.review is not None:
            await self.review.stop_probes()
            self.review.session.close()
        self.exit()

    async def on_event(self, event: events.Event) -> None:
        # Keys typed in the same burst as the one that confirmed quitting (`q` `y` `n`)
        # would reach the review while it stops its probes and open a dialog on an app
        # that is exiting.
        if self._quitting and isinstance(event, events.Key):
            event.stop()
            return
        await super().on_event(event)

    def on_unmount(self) -> None:
        self.stop_signals.restore()
        if self._probe_loop is not None:
            self._probe_loop.close()
        if self._gc_thresholds is not None:
            gc.unfreeze()
            gc.set_threshold(*self._gc_thresholds)
            self._gc_thresholds = None


def _has_terminal() -> bool:
    """Whether Textual can take over a terminal: stdin is one, or a driver of its own
    (textual-serve's web driver) is set."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return True
    stdin = sys.__stdin__
    try:
        return stdin is not None and os.isatty(stdin.fileno())
    except (OSError, ValueError):
        return False


__all__ = ["DEFAULT_DURATION", "GC_THRESHOLDS", "GonogoApp"]
