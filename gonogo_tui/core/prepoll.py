"""The pre-poll: before going around the room, which owners will probably object and why.

An objection is an owner's NO-GO on a section whose criteria pass (`core/poll.py`), so the
likely ones are sections that pass with something an owner may not accept: a waiver, an
advisory criterion failing, a stale result, or a criterion that failed earlier in this
meeting and passes now. Pure: the evaluation, the stale ids and the runs are passed in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.evaluation import Evaluation, SectionStatus
from gonogo_tui.core.poll import Seat, seats
from gonogo_tui.core.probes.base import ProbeResult, Status


@dataclass(frozen=True)
class Likely:
    """A section whose owner will probably object, with why."""

    seat: Seat
    reasons: tuple[str, ...]


def likely_objections(
    checklist: Checklist,
    evaluation: Evaluation,
    *,
    stale_ids: Collection[str] = (),
    runs: Mapping[str, Sequence[ProbeResult]] | None = None,
) -> tuple[Likely, ...]:
    """The owners of passing sections with a reason to object, in checklist order."""
    runs = runs or {}
    found = []
    for seat in seats(checklist):
        section = evaluation.sections[seat.number - 1]
        if section.status is not SectionStatus.GO:
            continue
        reasons = []
        for outcome in section.criteria:
            cid = outcome.criterion.id
            if outcome.status is Status.WAIVED and outcome.waiver is not None:
                reasons.append(f"{cid} is waived ({outcome.waiver.reason})")
            elif outcome.advisory and not outcome.passed:
                reasons.append(f"advisory {cid} is {outcome.status.value} (not blocking)")
            elif cid in stale_ids:
                reasons.append(f"{cid} was measured too long ago (stale)")
            elif any(r.status in (Status.FAIL, Status.ERROR) for r in runs.get(cid, ())[:-1]):
                reasons.append(f"{cid} failed earlier in this meeting, passes now")
        if reasons:
            found.append(Likely(seat, tuple(reasons)))
    return tuple(found)


def expected_no_go(checklist: Checklist, evaluation: Evaluation) -> tuple[Seat, ...]:
    """The owners of sections that do not pass: their NO-GO is no objection."""
    return tuple(
        seat
        for seat in seats(checklist)
        if evaluation.sections[seat.number - 1].status is SectionStatus.NO_GO
    )


__all__ = ["Likely", "expected_no_go", "likely_objections"]
