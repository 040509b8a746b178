"""The decision rules: pure functions from results, ticks and waivers to a decision.

No I/O and no clock: every input is passed in, so the rules are tested by truth tables.

A critical criterion (`critical: true` on it or its section) must PASS: FAIL, ERROR or
PENDING makes the decision NO-GO whatever the section count, so the one-section-short REVIEW
cannot carry a broken backup; it cannot be waived (`waiver_refusal`), and only an emergency
override ships past it. An advisory criterion (`advisory: true`) is probed, shown and
recorded but never blocks: its section's status and the path to GO ignore it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from gonogo_tui.core.checklist import Checklist, Criterion, Policy, Section
from gonogo_tui.core.probes.base import ProbeResult, Status


class Decision(enum.StrEnum):
    """The meeting's outcome by the policy."""

    GO = "GO"
    REVIEW = "REVIEW"
    """One section short: proceeds only with the CTO's approval."""
    NO_GO = "NO-GO"


class SectionStatus(enum.StrEnum):
    """A section is GO only when every criterion is PASS or WAIVED."""

    GO = "GO"
    NO_GO = "NO-GO"


@dataclass(frozen=True)
class Tick:
    """A manual criterion ticked by a person."""

    criterion_id: str
    operator: str
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class Waiver:
    """A failing criterion waived by a person, with a reason: granted by someone in a role
    the policy allows (`policy.waivers`), until a date or for a number of releases, and
    carried into the next meetings from the ledger while valid (`core/waiver_rules.py`)."""

    criterion_id: str
    operator: str
    """Who entered it (the meeting's operator)."""
    at: datetime
    reason: str
    approver: str = ""
    """Who granted it (empty in journals written before waivers had one: the operator)."""
    role: str = ""
    """The role they granted it in (`cto`, `devops-lead`, ...)."""
    until: date | None = None
    """The last day it holds (UTC), for a waiver with an end date."""
    releases: int | None = None
    """How many releases it holds, the one it was granted in counting as the first."""
    nth: int = 1
    """Which of those releases this one is (2 of 3)."""
    in_a_row: int = 1
    """Releases in a row, this one included, waiving the criterion."""
    carried_from: str = ""
    """The release (or record id) it was granted in, when carried from the ledger."""
    granted_at: datetime | None = None
    """When it was granted, for a carried one (`at` is when it was carried)."""

    @property
    def granted_by(self) -> str:
        """Who granted it: the approver, else the operator who entered it."""
        return self.approver or self.operator


@dataclass(frozen=True)
class CriterionOutcome:
    """A criterion's status with what it rests on."""

    criterion: Criterion
    status: Status
    result: ProbeResult | None = None
    tick: Tick | None = None
    waiver: Waiver | None = None
    underlying: Status | None = None
    """For WAIVED: the status that was waived."""
    critical: bool = False
    """Critical, itself or by its section: anything but PASS is NO-GO."""
    waiver_note: str = ""
    """Why a waiver from the ledger was not applied (`waiver expired 2026-12-01`)."""

    @property
    def passed(self) -> bool:
        """PASS or WAIVED."""
        return self.status in (Status.PASS, Status.WAIVED)

    @property
    def advisory(self) -> bool:
        """Shown and recorded, never blocking."""
        return self.criterion.advisory

    @property
    def blocking(self) -> bool:
        """Not passing, and not advisory: it stands between its section and GO."""
        return not self.passed and not self.advisory

    @property
    def critical_blocking(self) -> bool:
        """Critical and not PASS: the decision is NO-GO whatever the section count."""
        return self.critical and self.status is not Status.PASS


@dataclass(frozen=True)
class SectionOutcome:
    """A section's verdict and its criteria."""

    section: Section
    number: int
    """1-based position in the checklist."""
    status: SectionStatus
    criteria: tuple[CriterionOutcome, ...]
    objection: str | None = None
    """An owner's NO-GO in the poll on a section whose criteria pass, not overruled: the
    reason it is NO-GO (`core/poll.py`)."""

    def count(self, status: Status) -> int:
        """How many criteria have this status."""
        return sum(1 for outcome in self.criteria if outcome.status is status)

    @property
    def passed_count(self) -> int:
        """Criteria PASS or WAIVED."""
        return sum(1 for outcome in self.criteria if outcome.passed)

    @property
    def advisory_count(self) -> int:
        """Advisory criteria (never blocking)."""
        return sum(1 for outcome in self.criteria if outcome.advisory)


@dataclass(frozen=True)
class Evaluation:
    """Everything the decision bar, the table and the record show."""

    decision: Decision
    sections: tuple[SectionOutcome, ...]

    @property
    def sections_total(self) -> int:
        return len(self.sections)

    @property
    def sections_go(self) -> int:
        return sum(1 for s in self.sections if s.status is SectionStatus.GO)

    @property
    def missing(self) -> tuple[CriterionOutcome, ...]:
        """Criteria standing between this and GO, in checklist order (advisory ones never
        do)."""
        return tuple(c for s in self.sections for c in s.criteria if c.blocking)

    @property
    def critical_blockers(self) -> tuple[CriterionOutcome, ...]:
        """Critical criteria not passing: each alone makes the decision NO-GO."""
        return tuple(c for s in self.sections for c in s.criteria if c.critical_blocking)

    @property
    def reason(self) -> str:
        """Why the decision is NO-GO whatever the section count, e.g. `NO-GO: critical
        criterion Database backup fresh failed`; empty when no critical criterion decides it."""
        return critical_reason(self.critical_blockers)

    @property
    def failed_sections(self) -> tuple[SectionOutcome, ...]:
        return tuple(s for s in self.sections if s.status is SectionStatus.NO_GO)

    def outcome(self, criterion_id: str) -> CriterionOutcome:
        """The outcome of one criterion.

        Raises:
            KeyError: no such criterion.
        """
        for section in self.sections:
            for outcome in section.criteria:
                if outcome.criterion.id == criterion_id:
                    return outcome
        raise KeyError(criterion_id)

    def count(self, status: Status) -> int:
        """How many criteria have this status."""
        return sum(s.count(status) for s in self.sections)


CRITICAL_VERBS = {
    Status.FAIL: "failed",
    Status.ERROR: "could not be measured (ERROR)",
    Status.PENDING: "not measured yet",
    Status.WAIVED: "was waived",
}


def critical_verb(outcome: CriterionOutcome) -> str:
    """What keeps a critical criterion from passing, as the room says it: `failed`, `could
    not be measured (ERROR)`, `needs a tick` (a manual criterion, as its row says), `not
    measured yet`. The one wording for records, finalize, `gonogo check` and the decision bar."""
    if outcome.status is Status.PENDING and outcome.criterion.is_manual:
        return "needs a tick"
    return CRITICAL_VERBS.get(outcome.status, outcome.status.value)


def critical_reason(blockers: Iterable[CriterionOutcome]) -> str:
    """`NO-GO: critical criterion Database backup < 24h old failed` (several: joined by `;`),
    by title as the decision bar names them; empty when there is none."""
    parts = [f"{o.criterion.title} {critical_verb(o)}" for o in blockers]
    if not parts:
        return ""
    noun = "criterion" if len(parts) == 1 else "criteria"
    return f"NO-GO: critical {noun} {'; '.join(parts)}"


def waiver_refusal(section: Section, criterion: Criterion) -> str | None:
    """Why `criterion` cannot be waived, or None when it can.

    A critical criterion cannot: it is critical because no reason typed in a meeting makes
    shipping past it safe. The emergency override remains, with its own approvers.
    """
    if section.is_critical(criterion):
        return (
            f"{criterion.id} is critical: it cannot be waived; fix it, record NO-GO, or use "
            "the emergency override"
        )
    return None


def criterion_status(
    criterion: Criterion,
    result: ProbeResult | None,
    tick: Tick | None,
    waiver: Waiver | None,
    *,
    critical: bool = False,
) -> tuple[Status, Status | None]:
    """A criterion's status and, when waived, the status underneath.

    A waiver turns anything but PASS into WAIVED, except a probe that has not run yet:
    nothing can be waived before it is measured. A critical criterion is never waived (a
    waiver in an older journal is ignored: `waiver_refusal`).
    """
    if critical:
        waiver = None
    if criterion.is_manual:
        underlying = Status.PASS if tick is not None else Status.PENDING
    elif result is None:
        underlying = Status.PENDING
    else:
        underlying = result.status
    if waiver is not None and underlying is not Status.PASS:
        if criterion.is_manual or underlying is not Status.PENDING:
            return Status.WAIVED, underlying
    return underlying, None


def section_status(outcomes: Iterable[CriterionOutcome]) -> SectionStatus:
    """GO when every criterion but the advisory ones is PASS or WAIVED; a section with no
    criterion that blocks (empty, or advisory only) is never GO."""
    items = [outcome for outcome in outcomes if not outcome.advisory]
    if items and all(outcome.passed for outcome in items):
        return SectionStatus.GO
    return SectionStatus.NO_GO


def decide(
    policy: Policy, sections_no_go: int, sections_total: int, *, critical_blocking: int = 0
) -> Decision:
    """The decision matrix: GO, REVIEW (CTO approval) or NO-GO by NO-GO section count.

    A checklist with no section GO is NO-GO whatever the thresholds: with the seed's
    defaults a one-section checklist whose section failed would otherwise be "one section
    short", a REVIEW the CTO alone could turn into GO with nothing passed. So is one with a
    critical criterion not passing (`critical_blocking` of them), whatever the count.
    """
    if critical_blocking or sections_total == 0 or sections_no_go >= sections_total:
        return Decision.NO_GO
    if sections_no_go <= policy.go_max_no_go:
        return Decision.GO
    if sections_no_go <= policy.review_max_no_go:
        return Decision.REVIEW
    return Decision.NO_GO


class FinalizeChoice(enum.StrEnum):
    """What the operator may record when finalizing the meeting."""

    RECORD_GO = "record-go"
    CTO_APPROVAL = "cto-approval"
    """REVIEW turned into GO by the CTO's approval."""
    RECORD_NO_GO = "record-no-go"
    OVERRIDE = "override"
    """An emergency override of a REVIEW or NO-GO."""


def finalize_choices(decision: Decision) -> tuple[FinalizeChoice, ...]:
    """What a meeting whose policy decision is `decision` may record, in the order offered.

    GO records GO and nothing else: a NO-GO or an override of a GO would record a decision
    the policy did not take. REVIEW proceeds only with the CTO's approval, else it is NO-GO
    or an emergency override; NO-GO is recorded as NO-GO or overridden.
    """
    if decision is Decision.GO:
        return (FinalizeChoice.RECORD_GO,)
    if decision is Decision.REVIEW:
        return (FinalizeChoice.CTO_APPROVAL, FinalizeChoice.RECORD_NO_GO, FinalizeChoice.OVERRIDE)
    return (FinalizeChoice.RECORD_NO_GO, FinalizeChoice.OVERRIDE)


def evaluate(
    checklist: Checklist,
    results: Mapping[str, ProbeResult],
    ticks: Mapping[str, Tick] | None = None,
    waivers: Mapping[str, Waiver] | None = None,
    *,
    previous: Evaluation | None = None,
    waiver_notes: Mapping[str, str] | None = None,
) -> Evaluation:
    """Apply the rules to the current results, ticks and waivers.

    Args:
        previous: an earlier evaluation of the same checklist. A criterion whose result,
            tick and waiver are the very objects that evaluation rested on keeps its outcome,
            and a section whose outcomes are all kept is kept whole: the answer is the same,
            but one new result among a thousand costs a lookup per criterion, not a new
            outcome each (results, ticks and waivers are immutable).
        waiver_notes: why a waiver carried from the ledger was not applied, by criterion
            (shown while the criterion is not waived in the meeting).
    """
    ticks = ticks or {}
    waivers = waivers or {}
    notes = waiver_notes or {}
    earlier = previous.sections if previous is not None else ()
    if len(earlier) != len(checklist.sections):
        earlier = ()
    sections: list[SectionOutcome] = []
    for number, section in enumerate(checklist.sections, start=1):
        before = earlier[number - 1] if earlier else None
        if before is not None and before.section is not section:
            before = None
        outcomes = []
        kept = before is not None
        for index, criterion in enumerate(section.criteria):
            cid = criterion.id
            result = None if criterion.is_manual else results.get(cid)
            tick = ticks.get(cid) if criterion.is_manual else None
            waiver = waivers.get(cid)
            if before is not None:
                old = before.criteria[index]
                if old.result is result and old.tick is tick and old.waiver is waiver:
                    outcomes.append(old)
                    continue
            kept = False
            critical = section.is_critical(criterion)
            status, underlying = criterion_status(
                criterion, result, tick, waiver, critical=critical
            )
            outcomes.append(
                CriterionOutcome(
                    criterion=criterion,
                    status=status,
                    result=result,
                    tick=tick,
                    waiver=waiver if status is Status.WAIVED else None,
                    underlying=underlying,
                    critical=critical,
                    waiver_note="" if status is Status.WAIVED else notes.get(cid, ""),
                )
            )
        if kept and before is not None:
            sections.append(before)
            continue
        sections.append(
            SectionOutcome(
                section=section,
                number=number,
                status=section_status(outcomes),
                criteria=tuple(outcomes),
            )
        )
    no_go = sum(1 for s in sections if s.status is SectionStatus.NO_GO)
    critical_count = sum(1 for s in sections for c in s.criteria if c.critical_blocking)
    decision = decide(checklist.policy, no_go, len(sections), critical_blocking=critical_count)
    return Evaluation(decision=decision, sections=tuple(sections))


__all__ = [
    "CRITICAL_VERBS",
    "CriterionOutcome",
    "Decision",
    "Evaluation",
    "FinalizeChoice",
    "SectionOutcome",
    "SectionStatus",
    "Tick",
    "Waiver",
    "criterion_status",
    "critical_reason",
    "critical_verb",
    "decide",
    "evaluate",
    "finalize_choices",
    "section_status",
    "waiver_refusal",
]
