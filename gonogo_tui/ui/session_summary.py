"""The walkthrough's closing summary of a review session, written into the evidence."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.walkthrough import (
    walkthrough_data,
    walkthrough_summary,
    write_walkthrough_summary,
)
from gonogo_tui.ui.session import ReviewSession


@dataclass(frozen=True)
class WalkthroughSummary:
    """The walkthrough's closing summary, and where it was saved."""

    text: str
    """Markdown."""
    path: Path | None
    """None: it could not be written (`error` says why)."""
    error: str | None = None


def write_session_summary(session: ReviewSession) -> WalkthroughSummary:
    """Write the walkthrough's summary of where the review stands into the evidence."""
    ctx, snapshot = session.ctx, session.snapshot
    at = ctx.clock()
    text = walkthrough_summary(
        ctx.checklist,
        snapshot.evaluation,
        operator=ctx.operator,
        at=at,
        release=ctx.release,
        stale_ids=snapshot.stale,
        notes=tuple(session.journal.state.notes),
        runs=session.journal.state.runs,
    )
    data = walkthrough_data(
        ctx.checklist,
        snapshot.evaluation,
        operator=ctx.operator,
        at=at,
        release=ctx.release,
        stale_ids=snapshot.stale,
    )
    try:
        path = write_walkthrough_summary(text, ctx.evidence_dir, at, data)
    except EvidenceError as exc:
        return WalkthroughSummary(text, None, str(exc))
    return WalkthroughSummary(text, path)


__all__ = ["WalkthroughSummary", "write_session_summary"]
