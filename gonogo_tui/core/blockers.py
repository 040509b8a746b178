"""What the room sees now: a provisional WAITING while nothing has failed, and what blocks GO.

Pure functions of an evaluation and the set of probes running (no I/O, no clock). The
policy's decision stays as `evaluate` gives it (`gonogo check` and finalize use it); this
module only says how to read it while the meeting is still collecting answers.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from gonogo_tui.core.evaluation import CriterionOutcome, Decision, Evaluation, critical_verb
from gonogo_tui.core.probes.base import Status
from gonogo_tui.core.readings import reading


class BlockerKind(enum.StrEnum):
    """Why a criterion blocks GO, in the order the room reads them."""

    FAIL = "fail"
    """Measured, and the value is outside the threshold."""
    ERROR = "error"
    """Could not be measured."""
    TICK = "tick"
    """A manual criterion waiting for a person's tick."""
    PROBE = "probe"
    """A probe running or not run yet."""


_ORDER = {kind: rank for rank, kind in enumerate(BlockerKind)}
TITLE_KEPT = 12
"""Characters of a title kept when even a blocker's value and threshold do not fit."""


@dataclass(frozen=True)
class Blocker:
    """One criterion standing between the meeting and GO."""

    kind: BlockerKind
    outcome: CriterionOutcome
    running: bool = False
    """For PROBE: the probe is running now (else it has not run yet)."""

    @property
    def title(self) -> str:
        """The criterion's title, as the checklist names it."""
        return self.outcome.criterion.title

    @property
    def short(self) -> str:
        """For one line: `HSTS max-age 86400 s, needs ≥ 15552000 s`, `Grafana cannot measure`."""
        if self.kind is BlockerKind.FAIL:
            measured = _measured(self.outcome)
            if measured is None:
                return f"{self.title} failed"
            return f"{self.title} {measured}"
        if self.kind is BlockerKind.ERROR:
            return f"{self.title} cannot measure"
        if self.kind is BlockerKind.TICK:
            return f"{self.title} to tick"
        return f"{self.title} {'running' if self.running else 'not run yet'}"

    def short_within(self, cells: int) -> str:
        """`short` in at most `cells` characters: the title is cut first (`HSTS max-… 86400 s,
        needs ≥ 15552000 s`), so the measured value and threshold stay in view."""
        text = self.short
        if len(text) <= cells:
            return text
        rest = text[len(self.title) :]
        room = cells - len(rest) - 1
        if room >= 4:
            return self.title[:room].rstrip() + "…" + rest
        if self.kind is BlockerKind.FAIL and self.outcome.result is not None:
            # Narrower: the value without its label or aside (`86400 s, needs ≥ 15552000 s`).
            brief = reading(self.outcome.criterion.probe, self.outcome.result).brief
            rest = f" {brief}" if brief else rest
            room = cells - len(rest) - 1
            if room >= 4:
                return self.title[:room].rstrip() + "…" + rest
        # Not even the value and threshold fit: a short title, the value, the threshold cut.
        text = self.title[:TITLE_KEPT].rstrip() + "…" + rest
        return text[: max(cells - 1, 0)] + "…"

    @property
    def long(self) -> str:
        """With the reason: `HSTS: max-age 86400 s, needs ≥ 15552000 s`,
        `Grafana: cannot measure: Grafana answered 503`."""
        result = self.outcome.result
        if self.kind is BlockerKind.FAIL:
            measured = _measured(self.outcome)
            if measured is None:
                detail = result.detail if result is not None else ""
                return f"{self.title}: {detail or 'failed'}"
            return f"{self.title}: {measured}"
        if self.kind is BlockerKind.ERROR:
            detail = result.detail if result is not None else ""
            return f"{self.title}: cannot measure: {detail or 'no detail'}"
        if self.kind is BlockerKind.TICK:
            return f"{self.title}: waiting for a tick"
        return f"{self.title}: {'probe running' if self.running else 'probe not run yet'}"


def _measured(outcome: CriterionOutcome) -> str | None:
    """The measured value and the threshold it missed, in human units (`86400 s, needs ≥
    15552000 s`), when the probe reported a value."""
    result = outcome.result
    if result is None or not result.value.strip():
        return None
    return reading(outcome.criterion.probe, result).text or None


def _kind(outcome: CriterionOutcome) -> BlockerKind:
    if outcome.status is Status.FAIL:
        return BlockerKind.FAIL
    if outcome.status is Status.ERROR:
        return BlockerKind.ERROR
    if outcome.criterion.is_manual:
        return BlockerKind.TICK
    return BlockerKind.PROBE


def blockers(evaluation: Evaluation, running: Collection[str] = ()) -> tuple[Blocker, ...]:
    """Every blocking criterion (not PASS or WAIVED, not advisory): FAIL, then ERROR, then
    ticks, then probes still to report; checklist order within each kind.

    A FAIL or ERROR whose probe is rerunning stays a FAIL or ERROR until the new result says
    otherwise: the room should not lose sight of a failure while it is being measured again.
    """
    found = [
        Blocker(
            kind := _kind(outcome),
            outcome,
            running=kind is BlockerKind.PROBE and outcome.criterion.id in running,
        )
        for section in evaluation.sections
        for outcome in section.criteria
        if outcome.blocking  # not PASS or WAIVED, and not advisory (never blocking)
    ]
    return tuple(sorted(found, key=lambda blocker: _ORDER[blocker.kind]))


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def waiting_for(items: Iterable[Blocker]) -> str:
    """`5 ticks, 2 probes running, 1 probe not run`: what a waiting meeting waits for."""
    listed = list(items)
    ticks = sum(1 for b in listed if b.kind is BlockerKind.TICK)
    running = sum(1 for b in listed if b.kind is BlockerKind.PROBE and b.running)
    queued = sum(1 for b in listed if b.kind is BlockerKind.PROBE and not b.running)
    parts = []
    if ticks:
        parts.append(_plural(ticks, "tick"))
    if running:
        parts.append(f"{_plural(running, 'probe')} running")
    if queued:
        parts.append(f"{_plural(queued, 'probe')} not run")
    return ", ".join(parts)


class Standing(enum.StrEnum):
    """What the room sees now."""

    WAITING = "WAITING"
    """Nothing failed or erred; answers (ticks, probes) are still to come."""
    GO = Decision.GO.value
    REVIEW = Decision.REVIEW.value
    NO_GO = Decision.NO_GO.value


@dataclass(frozen=True)
class RoomView:
    """The provisional verdict and what blocks GO, for the decision bar and presenter."""

    standing: Standing
    blockers: tuple[Blocker, ...]

    @property
    def waiting(self) -> bool:
        """The meeting waits for answers; nothing has failed."""
        return self.standing is Standing.WAITING

    @property
    def waits_for(self) -> str:
        """`5 ticks, 2 probes running`."""
        return waiting_for(self.blockers)


def room_view(evaluation: Evaluation, running: Collection[str] = ()) -> RoomView:
    """The provisional verdict: WAITING while the policy's decision is not GO, nothing is
    FAIL or ERROR, every section has criteria, and ticks or probes are still outstanding.

    Otherwise the policy's decision as it stands. A GO stays GO while probes rerun; a
    section with no criteria can never become GO, so it is not waited for. Finalize and
    `gonogo check` use the policy's decision itself, never this.
    """
    found = blockers(evaluation, running)
    outstanding = any(b.kind in (BlockerKind.TICK, BlockerKind.PROBE) for b in found)
    failed = any(b.kind in (BlockerKind.FAIL, BlockerKind.ERROR) for b in found)
    empty = any(not section.criteria for section in evaluation.sections)
    if evaluation.decision is not Decision.GO and outstanding and not failed and not empty:
        return RoomView(Standing.WAITING, found)
    return RoomView(Standing(evaluation.decision.value), found)


def critical_titles(evaluation: Evaluation) -> str:
    """`critical: Rollback script tested needs a tick`: the critical criteria that decide
    NO-GO, by title, failures first (a pending tick never hides a failure); empty when none
    does. `evaluation.reason` says the same in checklist order, for records."""
    order = {Status.FAIL: 0, Status.ERROR: 1}
    found = sorted(evaluation.critical_blockers, key=lambda o: order.get(o.status, 2))
    parts = [f"{o.criterion.title} {critical_verb(o)}" for o in found]
    return f"critical: {'; '.join(parts)}" if parts else ""


__all__ = [
    "critical_titles",
    "Blocker",
    "BlockerKind",
    "RoomView",
    "Standing",
    "blockers",
    "room_view",
    "waiting_for",
]
