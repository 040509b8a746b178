"""The operator's requests on the review: tick, waive and note, each through its dialog.

Each takes the screen asking (for its dialogs and notices) and the `ReviewSession`; every
answer goes to the session's journal first, and the screens change once the line is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen

from gonogo_tui.core.checklist import parse_expiry
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import waiver_refusal
from gonogo_tui.core.probes.base import Status
from gonogo_tui.core.waiver_rules import ordinal, waived_text
from gonogo_tui.ui.screens.modals import ConfirmModal, NoteAnswer, NoteModal, TickNoteModal
from gonogo_tui.ui.screens.waiver_dialog import WaiverAnswer, WaiverAsk, WaiverModal
from gonogo_tui.ui.session import ReviewSession
from gonogo_tui.ui.session_waivers import Grant, SessionWaivers


def ask_tick(screen: Screen[Any], session: ReviewSession, cid: str) -> None:
    """Tick a manual criterion (asking for an optional note) or untick it."""
    criterion = session.ctx.checklist.criterion(cid)
    if not criterion.is_manual:
        screen.notify(f"{cid} is measured by a probe: r reruns it.", severity="warning")
        return
    ticked = session.journal.state.ticks.get(cid)
    if ticked is not None:
        # A stray space on a ticked row must not quietly undo what someone confirmed.

        def untick(confirmed: bool | None) -> None:
            if not confirmed:
                return
            failed = journal_write(screen, lambda: session.untick(cid))
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
        failed = journal_write(screen, lambda: session.tick(cid, note))
        if failed is not None:  # asked again, with what was typed
            screen.app.push_screen(dialog(note, failed), tick)

    screen.app.push_screen(dialog(), tick)


def ask_waiver(screen: Screen[Any], session: ReviewSession, cid: str) -> None:
    """Waive a criterion that is not passing (reason, approver, role and expiry required), or
    lift a waiver (a carried one too: it is then not carried further)."""
    outcome = session.snapshot.evaluation.outcome(cid)
    if outcome.status is Status.WAIVED:

        def lift(confirmed: bool | None) -> None:
            if confirmed:
                journal_write(screen, lambda: session.unwaive(cid))

        screen.app.push_screen(
            ConfirmModal(
                "Lift the waiver?",
                f"{cid} was {waived_text(outcome.waiver)}" if outcome.waiver else cid,
            ),
            lift,
        )
        return
    if outcome.status is Status.PASS:
        screen.notify(f"{cid} passes: nothing to waive.", severity="warning")
        return
    refusal = waiver_refusal(session.ctx.checklist.section_of(cid), outcome.criterion)
    if refusal is not None:
        screen.notify(refusal, severity="error", timeout=10)
        return
    if cid in session.running or (
        outcome.status is Status.PENDING and not outcome.criterion.is_manual
    ):
        screen.notify(f"{cid} is not measured yet: nothing to waive.", severity="warning")
        return
    detail = outcome.result.detail if outcome.result else (outcome.criterion.why_manual or "")
    waivers = session.waivers
    default = waivers.default_grant(cid)
    ask = WaiverAsk(
        cid,
        outcome.criterion.title,
        outcome.status.value,
        detail,
        roles=waivers.roles(cid),
        approver=default.approver,
        expiry=waivers.rules(cid).default_expiry,
        hint=waiver_hint(cid, waivers, outcome.waiver_note),
    )

    def check(answer: WaiverAnswer) -> str | None:
        try:
            grant = Grant(
                answer.approver, answer.role, parse_expiry(answer.expiry, waivers.today())
            )
        except ValueError as exc:
            return str(exc)
        return waivers.refusal(cid, grant)

    def waive(answer: WaiverAnswer | None) -> None:
        if answer is None:
            return
        expiry = parse_expiry(answer.expiry, waivers.today())
        grant = Grant(answer.approver, answer.role, expiry)
        failed = journal_write(screen, lambda: session.waive(cid, answer.reason, grant))
        if failed is not None:  # asked again, with what was typed
            screen.app.push_screen(WaiverModal(ask, check, answer=answer, error=failed), waive)

    screen.app.push_screen(WaiverModal(ask, check), waive)


def waiver_hint(cid: str, waivers: SessionWaivers, note: str) -> str:
    """What the dialog says first: why a carried waiver lapsed, and the release in a row
    this one would be, with who may grant it past the limit."""
    rules, row = waivers.rules(cid), waivers.in_a_row(cid)
    parts = [note] if note else []
    if row > 1:
        text = f"{ordinal(row)} release in a row waiving {cid}"
        if rules.max_releases is not None and row > rules.max_releases:
            text += (
                f" (limit {rules.max_releases}): only {', '.join(rules.renewed_by)} may grant it"
            )
        parts.append(text)
    return "; ".join(parts)


def ask_note(screen: Screen[Any], session: ReviewSession, selected: str | None) -> None:
    """Ask for a note about the selected criterion (or the meeting) and journal it."""

    def add(answer: NoteAnswer | None) -> None:
        if answer is None:
            return
        failed = journal_write(screen, lambda: session.note(answer.text, answer.criterion_id))
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


def journal_write(screen: Screen[Any], write: Callable[[], object]) -> str | None:
    """Run one of the session's journal writes (which publishes what it changed).

    Returns None once written; on failure nothing changes, the operator is told, and the
    reason is returned (a dialog then asks again with what was typed: nothing is lost).
    """
    try:
        write()
    except EvidenceError as exc:
        reason = f"Not recorded: {exc}"
        screen.notify(reason, severity="error", timeout=10)
        return reason
    return None


__all__ = ["ask_note", "ask_tick", "ask_waiver", "journal_write"]
