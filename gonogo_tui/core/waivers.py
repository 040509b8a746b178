"""Waivers as the room, finalize, the record and the report show them: who waived what and
why, and whether the decision rests on them.

Pure functions of an evaluation (and the checklist's policy): no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable

from gonogo_tui.core.checklist import Policy
from gonogo_tui.core.evaluation import CriterionOutcome, Decision, Evaluation, decide
from gonogo_tui.core.probes.base import Status
from gonogo_tui.core.waiver_rules import in_a_row_text, waived_text


def waived(evaluation: Evaluation) -> tuple[CriterionOutcome, ...]:
    """The criteria that count as passed only because a person waived them."""
    return tuple(
        outcome
        for section in evaluation.sections
        for outcome in section.criteria
        if outcome.status is Status.WAIVED and outcome.waiver is not None
    )


def count_text(count: int) -> str:
    """`1 waiver`, `2 waivers`."""
    return f"{count} waiver{'s' * (count != 1)}"


def waiver_text(outcome: CriterionOutcome) -> str:
    """`HSTS max-age waived by alice (cto), for 1 release: CDN sets HSTS in front` (the
    criterion's title), with `(3rd release in a row waiving headers-hsts)` from the second
    release in a row on."""
    waiver = outcome.waiver
    if waiver is None:
        return outcome.criterion.title
    text = f"{outcome.criterion.title} {waived_text(waiver)}"
    row = in_a_row_text(waiver)
    return f"{text} ({row})" if row else text


def decision_without_waivers(evaluation: Evaluation, policy: Policy) -> Decision:
    """The policy's decision had nobody waived anything (each waived criterion back to what
    it measured). Critical criteria are never waived, so they count as they do."""
    no_go = sum(1 for section in evaluation.sections if not _go_unwaived(section.criteria))
    return decide(
        policy,
        no_go,
        evaluation.sections_total,
        critical_blocking=len(evaluation.critical_blockers),
    )


def _go_unwaived(outcomes: Iterable[CriterionOutcome]) -> bool:
    items = [outcome for outcome in outcomes if not outcome.advisory]
    return bool(items) and all(outcome.status is Status.PASS for outcome in items)


def waivers_decide(evaluation: Evaluation, policy: Policy) -> bool:
    """Whether the decision is what it is only because of waivers (REVIEW turned GO, say)."""
    return bool(waived(evaluation)) and (
        decision_without_waivers(evaluation, policy) is not evaluation.decision
    )


def waivers_summary(evaluation: Evaluation, policy: Policy) -> str:
    """For finalize, the record and the report: `GO only because of 1 waiver: HSTS waived
    by alice: CDN sets it` when the waivers change the decision, else `1 waiver: ...`;
    empty without waivers."""
    found = waived(evaluation)
    if not found:
        return ""
    listed = "; ".join(waiver_text(outcome) for outcome in found)
    if waivers_decide(evaluation, policy):
        without = decision_without_waivers(evaluation, policy)
        return (
            f"{evaluation.decision.value} only because of {count_text(len(found))} "
            f"(else {without.value}): {listed}"
        )
    return f"{count_text(len(found))}: {listed}"


__all__ = [
    "count_text",
    "decision_without_waivers",
    "waived",
    "waiver_text",
    "waivers_decide",
    "waivers_summary",
]
