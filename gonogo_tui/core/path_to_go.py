"""The path to GO: the smallest set of changes that would make the decision GO.

A pure function of an evaluation and the policy (no I/O, no clock), so the walkthrough's
summary, its chat message and the tests all read the same answer.

A section is GO only when every criterion in it is; the policy's thresholds let
`go_max_no_go` sections stay NO-GO. So the smallest set brings the cheapest NO-GO sections
to GO (fewest fixes first, then fewest changes, then checklist order) until the decision
would be GO, and leaves the rest. A fix is a FAIL or ERROR to repair (or, since it was
measured, to waive), a tick a manual criterion waiting for a person, a run a probe that has
not run yet (nothing can be waived before it is measured).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from gonogo_tui.core.checklist import Policy
from gonogo_tui.core.evaluation import (
    CriterionOutcome,
    Decision,
    Evaluation,
    SectionOutcome,
    SectionStatus,
    decide,
)
from gonogo_tui.core.probes.base import Status


class Step(enum.StrEnum):
    """What a change asks for."""

    FIX = "fix"
    """A FAIL or ERROR: repair it and rerun (or have it waived)."""
    TICK = "tick"
    """A manual criterion waiting for a person's tick."""
    RUN = "run"
    """A probe that has not run yet."""


@dataclass(frozen=True)
class Change:
    """One criterion to change on the way to GO."""

    step: Step
    outcome: CriterionOutcome
    section: SectionOutcome
    who: str
    """Who can make the change (fix, tick, grant a waiver): the section's owner, else the
    roles that approve a REVIEW."""

    @property
    def waivable(self) -> bool:
        """A waiver would do instead: only what was measured (a FAIL or an ERROR), and never
        a critical criterion."""
        return self.step is Step.FIX and not self.outcome.critical


@dataclass(frozen=True)
class PathToGo:
    """Where the decision stands and the smallest set of changes that would make it GO."""

    decision: Decision
    """As it stands."""
    changes: tuple[Change, ...]
    """The smallest set of changes to GO, in checklist order; empty when GO already or
    when no change can give GO (`reachable`)."""
    reachable: bool
    """False when no set of changes gives GO (a section without criteria is never GO)."""
    ticks_collectable: tuple[Change, ...]
    """Every tick still missing, in checklist order (the "collect before the call" list)."""
    with_ticks: Decision
    """The decision once every missing tick is collected and nothing else changes."""
    still_no_go: tuple[SectionOutcome, ...]
    """The sections NO-GO once every missing tick is collected."""
    review_roles: tuple[str, ...]
    """Roles that must approve turning a REVIEW into GO."""
    stale: tuple[str, ...] = ()
    """Criteria whose results are older than the freshness limit: rerun before the call."""
    sections_for_review: int = 0
    """With the ticks collected, how many of `still_no_go` must also be GO for a REVIEW."""

    @property
    def fixes(self) -> tuple[Change, ...]:
        """Failures and errors in the smallest set."""
        return tuple(c for c in self.changes if c.step is Step.FIX)

    @property
    def ticks(self) -> tuple[Change, ...]:
        """Ticks in the smallest set."""
        return tuple(c for c in self.changes if c.step is Step.TICK)

    @property
    def runs(self) -> tuple[Change, ...]:
        """Probes in the smallest set that have not run yet."""
        return tuple(c for c in self.changes if c.step is Step.RUN)

    @property
    def waivers(self) -> tuple[Change, ...]:
        """The waivers that would replace the fixes (a failure measured can be waived)."""
        return tuple(c for c in self.fixes if c.waivable)


def _step(outcome: CriterionOutcome) -> Step | None:
    if outcome.passed or outcome.advisory:
        return None
    if outcome.status in (Status.FAIL, Status.ERROR):
        return Step.FIX
    if outcome.criterion.is_manual:
        return Step.TICK
    return Step.RUN


def _who(section: SectionOutcome, review_roles: Sequence[str]) -> str:
    if section.section.owner_label:
        return section.section.owner_label
    return f"{', '.join(review_roles) or 'the operator'} (no section owner)"


def _changes(section: SectionOutcome, review_roles: Sequence[str]) -> list[Change]:
    who = _who(section, review_roles)
    found = []
    for outcome in section.criteria:
        step = _step(outcome)
        if step is not None:
            found.append(Change(step=step, outcome=outcome, section=section, who=who))
    return found


def _cost(changes: Sequence[Change], section: SectionOutcome) -> tuple[int, int, int]:
    fixes = sum(1 for c in changes if c.step is not Step.TICK)
    return fixes, len(changes), section.number


def path_to_go(
    evaluation: Evaluation, policy: Policy, *, stale_ids: Collection[str] = ()
) -> PathToGo:
    """The smallest set of changes that would make `evaluation` GO under `policy`.

    Args:
        evaluation: the evaluation as it stands (results, ticks and waivers applied).
        policy: the decision matrix (thresholds and approval roles).
        stale_ids: criteria whose results are too old to decide on.

    Returns:
        The path, with the decision once the missing ticks are collected.
    """
    review_roles = tuple(policy.approvals.review_requires)
    total = evaluation.sections_total
    no_go = [s for s in evaluation.sections if s.status is SectionStatus.NO_GO]
    per_section = {s.number: _changes(s, review_roles) for s in no_go}
    repairable = sorted(
        (s for s in no_go if s.criteria), key=lambda s: _cost(per_section[s.number], s)
    )
    chosen: list[SectionOutcome] = []
    reachable = decide(policy, len(no_go), total) is Decision.GO
    for section in repairable:
        if reachable:
            break
        chosen.append(section)
        reachable = decide(policy, len(no_go) - len(chosen), total) is Decision.GO
    numbers = {s.number for s in chosen} if reachable else set()
    changes = tuple(
        change for s in no_go if s.number in numbers for change in per_section[s.number]
    )
    ticks = tuple(c for s in no_go for c in per_section[s.number] if c.step is Step.TICK)
    still = tuple(
        s
        for s in no_go
        if not s.criteria or any(c.step is not Step.TICK for c in per_section[s.number])
    )
    known = {o.criterion.id for s in evaluation.sections for o in s.criteria}
    # A critical criterion still to fix or run keeps the outlook NO-GO, ticks or not.
    critical_left = sum(1 for o in evaluation.critical_blockers if _step(o) is not Step.TICK)
    return PathToGo(
        decision=evaluation.decision,
        changes=changes,
        reachable=reachable,
        ticks_collectable=ticks,
        with_ticks=decide(policy, len(still), total, critical_blocking=critical_left),
        still_no_go=still,
        review_roles=review_roles,
        stale=tuple(sorted(cid for cid in stale_ids if cid in known)),
        sections_for_review=_sections_for_review(policy, still, total),
    )


def _sections_for_review(policy: Policy, still: Sequence[SectionOutcome], total: int) -> int:
    repairable = sum(1 for s in still if s.criteria)
    for count in range(repairable + 1):
        if decide(policy, len(still) - count, total) is Decision.REVIEW:
            return count
    return 0


def attention_rank(outcome: CriterionOutcome, *, stale: bool = False) -> int:
    """Where a criterion comes in the walkthrough: FAIL, ERROR, a manual tick waiting, a
    stale result, a probe not run yet, then what passes (WAIVED, PASS)."""
    if outcome.status is Status.FAIL:
        return 0
    if outcome.status is Status.ERROR:
        return 1
    if outcome.status is Status.PENDING and outcome.criterion.is_manual:
        return 2
    if stale:
        return 3
    if not outcome.passed:
        return 4
    return 5 if outcome.status is Status.WAIVED else 6


def attention_order(
    section: SectionOutcome, stale_ids: Collection[str] = ()
) -> tuple[CriterionOutcome, ...]:
    """The section's criteria, what needs attention first (`attention_rank`), otherwise in
    checklist order."""
    return tuple(
        sorted(
            section.criteria,
            key=lambda o: attention_rank(o, stale=o.criterion.id in stale_ids),
        )
    )


def needs_attention(section: SectionOutcome, stale_ids: Collection[str] = ()) -> bool:
    """Whether anything in the section is not passing, or passing on a stale result."""
    return not section.criteria or any(
        not o.passed or o.criterion.id in stale_ids for o in section.criteria
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _section_list(sections: Sequence[SectionOutcome]) -> str:
    parts = []
    for section in sections:
        named = f"{section.number}. {section.section.title}"
        blocking = [o.criterion.id for o in section.criteria if _step(o) in (Step.FIX, Step.RUN)]
        parts.append(f"{named}: {', '.join(blocking)}" if blocking else f"{named}: no criteria")
    return "; ".join(parts)


def _roles(path: PathToGo) -> str:
    return " and ".join(role.upper() if role == "cto" else role for role in path.review_roles)


def _blockers(changes: Sequence[Change]) -> str:
    fixes = [c.outcome.criterion.id for c in changes if c.step is Step.FIX]
    runs = [c.outcome.criterion.id for c in changes if c.step is Step.RUN]
    parts = []
    if fixes:
        parts.append(f"{', '.join(fixes)} fixed or waived")
    if runs:
        parts.append(f"{', '.join(runs)} run and passing")
    return " and ".join(parts)


def estimate(path: PathToGo) -> str:
    """One line: what the call will have to decide, as it stands and with the ticks.

    E.g. `as it stands: NO-GO; with the 5 ticks: REVIEW (1 section NO-GO: 5. Security
    Headers: headers-hsts) — the CTO must approve, or headers-hsts fixed or waived`.
    """
    line = f"as it stands: {path.decision.value}"
    ticks = len(path.ticks_collectable)
    outlook = path.decision
    if ticks:
        outlook = path.with_ticks
        collected = "the tick" if ticks == 1 else f"the {ticks} ticks"
        line += f"; with {collected}: {outlook.value}"
    if outlook is Decision.GO:
        return line
    still = path.still_no_go
    line += f" ({_plural(len(still), 'section')} NO-GO: {_section_list(still)})"
    if not path.reachable:
        return f"{line} — no change can give GO (a section without criteria is never GO)"
    needed = _blockers(path.changes)
    if outlook is Decision.REVIEW:
        roles = _roles(path)
        approve = f"the {roles} must approve, or " if roles else ""
        return f"{line} — {approve}{needed}"
    line = f"{line} — for GO: {needed}"
    if path.sections_for_review:
        count = path.sections_for_review
        line += (
            f"; for REVIEW ({_roles(path) or 'nobody'} to approve), {_plural(count, 'section')} of "
            f"{len(path.still_no_go)} brought to GO"
        )
    return line


__all__ = [
    "Change",
    "PathToGo",
    "Step",
    "attention_order",
    "attention_rank",
    "estimate",
    "needs_attention",
    "path_to_go",
]
