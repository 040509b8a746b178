"""The operator's requests on the review: tick, waive and note, each through its dialog.

Every answer goes to the journal first; the screen changes only once the line is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.probes.base import Status
from gonogo_tui.ui.screens.modals import (
    ConfirmModal,
    NoteAnswer,
    NoteModal,
    TickNoteModal,
    WaiverModal,
)

if TYPE_CHECKING:
    from gonogo_tui.ui.screens.review import ReviewScreen


def ask_tick(screen: ReviewScreen, cid: str) -> None:
    """Tick a manual criterion (asking for an optional note) or untick it."""
    criterion = screen.ctx.checklist.criterion(cid)
    if not criterion.is_manual:
        screen.notify(f"{cid} is measured by a probe: r reruns it.", severity="warning")
        return
    ticked = screen.journal.state.ticks.get(cid)
    if ticked is not None:
        # A stray space on a ticked row must not quietly undo what someone confirmed.

        def untick(confirmed: bool | None) -> None:
            if not confirmed:
                return
            failed = journal_write(
                screen,
                lambda: screen.journal.untick(cid, screen.ctx.operator, screen.ctx.clock()),
                cid,
            )
            if failed is None:
                screen.notify(f"Unticked {cid}.")

        note = f" ({ticked.note})" if ticked.note else ""
        screen.app.push_screen(
            ConfirmModal(
                f"Untick {cid}?",
                f"{criterion.title}: ticked by {ticked.operator} at "
                f"{ticked.at:%H:%M:%S}{note}. Untick it?",
                yes="Untick",
                no="Keep",
            ),
            untick,
        )
        return

    def dialog(note: str = "", error: str | None = None) -> TickNoteModal:
        return TickNoteModal(cid, criterion.title, criterion.why_manual, note=note, error=error)

    def tick(note: str | None) -> None:
        if note is None:
            return
        failed = journal_write(
            screen,
            lambda: screen.journal.tick(cid, screen.ctx.operator, screen.ctx.clock(), note),
            cid,
        )
        if failed is not None:  # asked again, with what was typed
            screen.app.push_screen(dialog(note, failed), tick)

    screen.app.push_screen(dialog(), tick)


def ask_waiver(screen: ReviewScreen, cid: str) -> None:
    """Waive a criterion that is not passing (a reason is required), or lift a waiver."""
    outcome = screen.snapshot.evaluation.outcome(cid)
    if outcome.status is Status.WAIVED:

        def lift(confirmed: bool | None) -> None:
            if confirmed:
                journal_write(
                    screen,
                    lambda: screen.journal.unwaive(cid, screen.ctx.operator, screen.ctx.clock()),
                    cid,
                )

        screen.app.push_screen(
            ConfirmModal(
                "Lift the waiver?",
                f"{cid} was waived: {outcome.waiver.reason}" if outcome.waiver else cid,
            ),
            lift,
        )
        return
    if outcome.status is Status.PASS:
        screen.notify(f"{cid} passes: nothing to waive.", severity="warning")
        return
    if cid in screen.running or (
        outcome.status is Status.PENDING and not outcome.criterion.is_manual
    ):
        screen.notify(f"{cid} is not measured yet: nothing to waive.", severity="warning")
        return
    detail = outcome.result.detail if outcome.result else (outcome.criterion.why_manual or "")

    def dialog(reason: str = "", error: str | None = None) -> WaiverModal:
        title, status = outcome.criterion.title, outcome.status.value
        return WaiverModal(cid, title, status, detail, reason=reason, error=error)

    def waive(reason: str | None) -> None:
        if not reason:
            return
        failed = journal_write(
            screen,
            lambda: screen.journal.waive(cid, screen.ctx.operator, screen.ctx.clock(), reason),
            cid,
        )
        if failed is not None:  # asked again, with what was typed
            screen.app.push_screen(dialog(reason, failed), waive)

    screen.app.push_screen(dialog(), waive)


def ask_note(screen: ReviewScreen) -> None:
    """Ask for a note about the selected criterion (or the meeting) and journal it."""
    selected = screen.selected

    def add(answer: NoteAnswer | None) -> None:
        if answer is None:
            return
        failed = journal_write(
            screen,
            lambda: screen.journal.note(
                answer.text, screen.ctx.operator, screen.ctx.clock(), answer.criterion_id
            ),
        )
        if failed is None:
            screen.notify("Note added.")
            return
        screen.app.push_screen(  # asked again, with what was typed
            NoteModal(
                selected, text=answer.text, about=answer.criterion_id is not None, error=failed
            ),
            add,
        )

    screen.app.push_screen(NoteModal(selected), add)


def journal_write(
    screen: ReviewScreen, write: Callable[[], object], cid: str | None = None
) -> str | None:
    """Run one journal append about `cid` (None: no row changes, e.g. a general note).

    Returns None once written; on failure nothing changes, the operator is told, and the
    reason is returned (a dialog then asks again with what was typed: nothing is lost).
    """
    try:
        write()
    except EvidenceError as exc:
        reason = f"Not recorded: {exc}"
        screen.notify(reason, severity="error", timeout=10)
        return reason
    screen.publish([] if cid is None else [cid])
    return None


__all__ = ["ask_note", "ask_tick", "ask_waiver", "journal_write"]
