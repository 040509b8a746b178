"""The finalize sequence, run in a worker so it can wait for each dialog in turn.

Fresh results first (offer to rerun stale probes, wait for running ones), then the
decision and its reasons, then what the decision needs (CTO approval, NO-GO details or an
emergency override); the session has the core build the record and write it through the
journal (`core/records/finalize.py`), so a crash leaves a whole record or none. The flow
takes the screen it runs on (for dialogs and notices) and the `ReviewSession`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.screen import Screen

from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import Evaluation, FinalizeChoice, finalize_choices
from gonogo_tui.core.evaluation_export import status_text
from gonogo_tui.core.records.finalize import FinalizeOutcome
from gonogo_tui.core.records.model import Approval, NoGoDetails, Override
from gonogo_tui.core.types import format_duration
from gonogo_tui.ui.screens.finalize import (
    CtoApprovalModal,
    FinalizeModal,
    NoGoModal,
    OverrideModal,
)
from gonogo_tui.ui.screens.modals import ConfirmModal, ErrorModal
from gonogo_tui.ui.screens.poll import PollScreen
from gonogo_tui.ui.screens.sign_off import SignOffModal
from gonogo_tui.ui.session import ReviewSession

STALE_LISTED = 6
"""Stale criteria named in the rerun question; the rest are counted."""


def default_no_go_reason(evaluation: Evaluation) -> str:
    """`Failed checks: 2. CI/CD Pipeline (CI runs green: FAIL); 9. Team (Stakeholders notified:
    needs tick)` for the NO-GO dialog: criteria by title, as the rows and decision bar name
    them."""
    parts = []
    for section in evaluation.failed_sections:
        failing = ", ".join(
            f"{o.criterion.title}: {status_text(o)}" for o in section.criteria if o.blocking
        )
        parts.append(f"{section.number}. {section.section.title} ({failing})")
    failed = "Failed checks: " + "; ".join(parts) if parts else ""
    return f"{evaluation.reason}. {failed}" if evaluation.reason else failed


async def freshen(screen: Screen[Any], session: ReviewSession) -> bool:
    """Offer to rerun stale probes, then wait for every running probe.

    Returns:
        Whether it had to wait for running probes (the operator may have gone on meanwhile).
    """
    app = screen.app
    snapshot = session.snapshot
    stale = sorted(snapshot.stale - snapshot.running)
    if stale:
        listed = ", ".join(stale[:STALE_LISTED])
        if len(stale) > STALE_LISTED:
            listed += f" and {len(stale) - STALE_LISTED} more"
        limit = format_duration(session.ctx.checklist.defaults.stale_after)
        rerun = await app.push_screen_wait(
            ConfirmModal(
                "Stale results",
                f"{len(stale)} result{'s are' if len(stale) > 1 else ' is'} older than {limit}: "
                f"{listed}. Rerun before deciding?",
                yes="Rerun first",
                no="Decide now",
            )
        )
        if rerun:
            session.start_probes(stale)
    if not session.running_count:
        return False
    count = session.running_count
    screen.notify(f"Waiting for {count} probe{'s' * (count != 1)} to finish…", timeout=5)
    await session.wait_for_probes()
    return True


async def offer_poll(screen: Screen[Any], session: ReviewSession) -> bool:
    """Offer the poll when an owner has not answered yet.

    Returns:
        Whether the poll was opened (the operator finalizes again after it).
    """
    poll = session.poll
    answers = poll.answers()
    waiting = [seat for seat in poll.seats if seat.section.id not in answers]
    if not waiting:
        return False
    quorum = poll.quorum()
    if poll.declined and quorum.met:  # asked once already, and nothing requires the poll
        return False
    warning = " gonogo verify refuses a GO short of the quorum." if not quorum.met else ""
    asked = await screen.app.push_screen_wait(
        ConfirmModal(
            "Poll the owners first?",
            f"{len(waiting)} of {len(poll.seats)} section owners not asked yet; "
            f"{quorum.text}.{warning}",
            yes="Poll now",
            no="Decide now",
        )
    )
    if asked:
        screen.app.push_screen(PollScreen(session))
    elif asked is False:
        poll.declined = True
    return bool(asked)


async def finalize_meeting(screen: Screen[Any], session: ReviewSession) -> None:
    """Take the meeting from its evaluation to a written decision record."""
    app = screen.app
    ctx = session.ctx
    if session.journal.state.pending is not None:
        await complete_pending(screen, session)
        return
    done = session.journal.state.finalized
    if done is not None:
        if done.paths:  # the dialog names the record: no toast over it
            await app.push_screen_wait(SignOffModal(Path(done.paths[0]), clock=ctx.clock))
        else:
            screen.notify(f"Already finalized: {done.display_decision} ({done.record_id}).")
        return
    started_over = app.screen
    if await freshen(screen, session) and app.screen is not started_over:
        # A dialog opened while the probes ran (a note being typed): the decision's one-key
        # choices (`g` records GO) must not pop up over it and take its keys.
        screen.notify("The probes have finished: press f to finalize.", timeout=10)
        return
    if await offer_poll(screen, session):
        return
    snapshot = session.snapshot
    evaluation = snapshot.evaluation
    known = session.journal.state.release or ctx.release or ctx.checklist.release or ""
    modal = FinalizeModal(
        evaluation,
        finalize_choices(evaluation.decision),
        running=len(snapshot.running),
        stale=len(snapshot.stale),
        policy=ctx.checklist.policy,
        release=known,
    )
    choice = await app.push_screen_wait(modal)
    if modal.release and modal.release != known:
        # Journaled even when the dialog is cancelled: the next finalize (or a resumed
        # meeting) offers it again, and the record says it.
        try:
            session.journal.set_release(modal.release, ctx.operator, ctx.clock())
        except EvidenceError as exc:
            screen.notify(f"Release not journaled: {exc}", severity="error")
            return
    if choice is None:
        return
    approvals: tuple[Approval, ...] = ()
    no_go: NoGoDetails | None = None
    override: Override | None = None
    if choice is FinalizeChoice.CTO_APPROVAL:
        approval = await app.push_screen_wait(CtoApprovalModal(ctx.clock))
        if approval is None:
            return
        approvals = (approval,)
    elif choice is FinalizeChoice.RECORD_NO_GO:
        no_go = await app.push_screen_wait(NoGoModal(default_no_go_reason(evaluation)))
        if no_go is None:
            return
    elif choice is FinalizeChoice.OVERRIDE:
        override = await app.push_screen_wait(OverrideModal(evaluation.decision, ctx.clock))
        if override is None:
            return
    try:
        outcome = session.finalize(evaluation, approvals=approvals, override=override, no_go=no_go)
    except EvidenceError as exc:
        await app.push_screen_wait(ErrorModal("The decision record was not written", str(exc)))
        return
    show_outcome(screen, session, outcome)


async def complete_pending(screen: Screen[Any], session: ReviewSession) -> None:
    """Finish the record a crash (or a failed write) interrupted; say what happened."""
    try:
        outcome = session.complete_pending()
    except EvidenceError as exc:
        await screen.app.push_screen_wait(
            ErrorModal("The interrupted decision record was not completed", str(exc))
        )
        return
    if outcome is not None:
        show_outcome(screen, session, outcome)


def show_outcome(screen: Screen[Any], session: ReviewSession, outcome: FinalizeOutcome) -> None:
    """Show the written record (and a journal that could not say so)."""
    if outcome.journal_error is not None:
        screen.notify(
            f"Record written, journal not updated: {outcome.journal_error}",
            severity="error",
            timeout=10,
        )
    session.publish()
    screen.refresh_bindings()
    done = "completed after an interruption" if outcome.completed else "recorded"
    screen.notify(
        f"{outcome.finalized.display_decision} {done}: {outcome.paths.txt}. "
        "Press f to collect signatures.",
        timeout=10,
    )


__all__ = [
    "complete_pending",
    "default_no_go_reason",
    "finalize_meeting",
    "freshen",
    "show_outcome",
]
