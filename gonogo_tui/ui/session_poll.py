"""The session's side of the poll: answers and overrules go to the journal, then publish.

The rules (NO-GO needs a reason, objections, the quorum) are the core's (`core/poll.py`);
this only records what the poll screen collects, in the meeting's journal, so a kill -9 and
a resume keep every answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from gonogo_tui.core.evaluation import Evaluation
from gonogo_tui.core.journal import Journal
from gonogo_tui.core.poll import (
    Answer,
    Overrule,
    PollAnswer,
    QuorumStatus,
    Seat,
    poll_record,
    quorum_status,
    seats,
)
from gonogo_tui.ui.deps import ReviewContext


class SessionPoll:
    """The poll of one review session.

    Args:
        ctx: the review's dependencies (checklist, clock, operator).
        journal: where every answer is written first.
        publish: makes a new snapshot for the screens (given the criteria that changed).
        measured: the criteria's own evaluation now (before the poll's objections).
    """

    def __init__(
        self,
        ctx: ReviewContext,
        journal: Journal,
        publish: Callable[[Iterable[str] | None], None],
        measured: Callable[[], Evaluation],
    ) -> None:
        self.ctx = ctx
        self.journal = journal
        self._publish = publish
        self._measured = measured
        self.seats: tuple[Seat, ...] = seats(ctx.checklist)
        """Every section with an owner, in checklist order."""
        self.declined = False
        """The operator chose to decide without polling: finalize does not ask again while
        the policy needs no quorum (or it is met)."""

    def answers(self) -> dict[str, PollAnswer]:
        """The latest answer of each section."""
        return dict(self.journal.state.poll_answers)

    def overrules(self) -> dict[str, Overrule]:
        """The CTO's overrules, by section."""
        return dict(self.journal.state.overrules)

    def quorum(self) -> QuorumStatus:
        """How many owners answered against the policy's quorum."""
        return quorum_status(self.ctx.checklist.policy, self.seats, self.journal.state.poll_answers)

    def answer(self, section_id: str, answer: Answer, reason: str = "", stand_in: str = "") -> None:
        """Record an owner's answer (a NO-GO needs a reason).

        Raises:
            EvidenceError: refused (nothing is written) or the journal cannot take it.
        """
        ctx = self.ctx
        self.journal.poll_answer(
            PollAnswer(section_id, answer, ctx.operator, ctx.clock(), reason.strip(), stand_in)
        )
        self._publish(self._criteria(section_id))

    def overrule(self, section_id: str, by: str, reason: str) -> None:
        """Record the CTO overruling the objection on `section_id`.

        Raises:
            EvidenceError: no name or no reason (nothing is written), or the journal.
        """
        ctx = self.ctx
        overrule = Overrule(section_id, by.strip(), reason.strip(), ctx.operator, ctx.clock())
        self.journal.poll_overrule(overrule)
        self._publish(self._criteria(section_id))

    def record(self) -> dict[str, Any] | None:
        """The poll as the decision record keeps it (`core.poll.poll_record`)."""
        state = self.journal.state
        return poll_record(
            self.ctx.checklist, self._measured(), state.poll_answers, state.overrules
        )

    def _criteria(self, section_id: str) -> list[str]:
        section = next(s for s in self.ctx.checklist.sections if s.id == section_id)
        return [c.id for c in section.criteria]


__all__ = ["SessionPoll"]
