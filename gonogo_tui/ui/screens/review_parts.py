"""Parts of the review screen kept apart, so that its class stays short: the selected
criterion's detail, the release the header names, and the "changed since last GO" filter
(`c`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.notifications import SeverityLevel

from gonogo_tui.core.deltas import delta_of, deltas_of, moved_since_last_go
from gonogo_tui.ui.session import ReviewSession, ReviewSnapshot
from gonogo_tui.ui.widgets.detail_pane import DetailView
from gonogo_tui.ui.widgets.section_panel import SectionPanel


def detail_view(session: ReviewSession, snapshot: ReviewSnapshot, cid: str) -> DetailView:
    """What the detail pane shows of criterion `cid` in `snapshot`."""
    checklist = session.ctx.checklist
    outcome = snapshot.evaluation.outcome(cid)
    section = checklist.section_of(cid)
    return DetailView(
        section_number=checklist.sections.index(section) + 1,
        section_title=section.title,
        outcome=outcome,
        runs=session.runs_of(cid),
        notes=session.notes_about(cid, general=True),
        running=cid in snapshot.running,
        stale=cid in snapshot.stale,
        stale_after=checklist.defaults.stale_after,
        timeout=None
        if outcome.criterion.is_manual
        else session.ctx.runner.timeout_for(outcome.criterion),
        now=snapshot.now,
        delta=delta_of(session.past, outcome),
        history=session.past.history_text(cid),
    )


def release_of(session: ReviewSession) -> str | None:
    """The release the meeting decides: typed at finalize (journaled), else `--release`,
    else the checklist's; None while unknown."""
    ctx = session.ctx
    return session.journal.state.release or ctx.release or ctx.checklist.release


class ChangedFilter:
    """`c`: only the rows whose status or value moved since the last GO (`core.deltas`),
    and back to all."""

    def __init__(self, session: ReviewSession, order: Sequence[str]) -> None:
        self.session = session
        self.order = order
        self.on = False
        """Whether only the rows that moved are shown."""

    def moved(self) -> list[str]:
        """The criteria whose status or value moved since the last GO, in checklist order."""
        deltas = deltas_of(self.session.past, self.session.snapshot.evaluation)
        return [cid for cid in self.order if cid in deltas and deltas[cid].moved]

    def toggle(self, panels: Iterable[SectionPanel]) -> tuple[str, SeverityLevel]:
        """Turn the filter on or off (never on without a GO in the ledger); the notice."""
        past = self.session.past
        if past.last_go is None:
            return "No GO in the ledger yet: nothing to compare with.", "warning"
        self.on = not self.on
        for panel in panels:
            panel.set_changed_only(self.on)
        if not self.on:
            return "Every criterion shown again.", "information"
        count, worse = moved_since_last_go(past, self.session.snapshot.evaluation)
        return (
            f"Changed since the last GO ({past.last_go.label}): {count} criteria, {worse} the"
            " wrong way (c shows all again).",
            "information",
        )

    def keep(self, selected: str | None) -> str | None:
        """The row to select: `selected`, or under the filter the first that moved when it
        did not (a selected row stays shown)."""
        moved = self.moved() if self.on else []
        return moved[0] if moved and selected not in moved else selected

    def order_for(self, selected: str) -> Sequence[str]:
        """The rows the arrow keys move among: under the filter, those that moved."""
        moved = self.moved() if self.on else []
        return moved if selected in moved else self.order


__all__ = ["ChangedFilter", "detail_view", "release_of"]
