"""Truth tables for the decision rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gonogo_tui.core.checklist import Checklist, Criterion, Policy, Section
from gonogo_tui.core.evaluation import (
    Decision,
    FinalizeChoice,
    SectionStatus,
    Tick,
    Waiver,
    criterion_status,
    decide,
    evaluate,
    finalize_choices,
)
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.probes.file import FileProbe

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
PROBED = Criterion(id="p", title="probed", probe=FileProbe(path="x"))
MANUAL = Criterion(id="m", title="manual", manual=True)


def result(cid: str, status: Status) -> ProbeResult:
    return ProbeResult(cid, status, "v", "e", "s", "d", T0, 1.0)


TICK = Tick("m", "alice", T0)


def waiver(cid: str) -> Waiver:
    return Waiver(cid, "bob", T0, "known issue, tracked in OPS-1")


@pytest.mark.parametrize(
    ("result_status", "waived", "expected", "underlying"),
    [
        (None, False, Status.PENDING, None),
        (None, True, Status.PENDING, None),
        (Status.PASS, False, Status.PASS, None),
        (Status.PASS, True, Status.PASS, None),
        (Status.FAIL, False, Status.FAIL, None),
        (Status.FAIL, True, Status.WAIVED, Status.FAIL),
        (Status.ERROR, False, Status.ERROR, None),
        (Status.ERROR, True, Status.WAIVED, Status.ERROR),
    ],
)
def test_probed_criterion_status(
    result_status: Status | None, waived: bool, expected: Status, underlying: Status | None
) -> None:
    res = result("p", result_status) if result_status else None
    status = criterion_status(PROBED, res, None, waiver("p") if waived else None)
    assert status == (expected, underlying)


@pytest.mark.parametrize(
    ("ticked", "waived", "expected"),
    [
        (False, False, Status.PENDING),
        (True, False, Status.PASS),
        (False, True, Status.WAIVED),
        (True, True, Status.PASS),
    ],
)
def test_manual_criterion_status(ticked: bool, waived: bool, expected: Status) -> None:
    status, _ = criterion_status(
        MANUAL, None, TICK if ticked else None, waiver("m") if waived else None
    )
    assert status is expected


def test_manual_ignores_probe_results() -> None:
    assert criterion_status(MANUAL, result("m", Status.PASS), None, None)[0] is Status.PENDING


@pytest.mark.parametrize(
    ("no_go", "total", "go_max", "review_max", "expected"),
    [
        (0, 10, 0, 1, Decision.GO),
        (1, 10, 0, 1, Decision.REVIEW),
        (2, 10, 0, 1, Decision.NO_GO),
        (10, 10, 0, 1, Decision.NO_GO),
        (0, 0, 0, 1, Decision.NO_GO),
        (1, 20, 1, 3, Decision.GO),
        (3, 20, 1, 3, Decision.REVIEW),
        (4, 20, 1, 3, Decision.NO_GO),
        (1, 10, 0, 0, Decision.NO_GO),
        # Small checklists: a REVIEW needs at least one section GO.
        (1, 1, 0, 1, Decision.NO_GO),
        (0, 1, 0, 1, Decision.GO),
        (1, 2, 0, 1, Decision.REVIEW),
        (2, 2, 0, 1, Decision.NO_GO),
        (2, 2, 1, 2, Decision.NO_GO),
        (1, 1, 1, 1, Decision.NO_GO),
    ],
)
def test_decision_matrix(
    no_go: int, total: int, go_max: int, review_max: int, expected: Decision
) -> None:
    policy = Policy(go_max_no_go=go_max, review_max_no_go=review_max)
    assert decide(policy, no_go, total) is expected


def test_policy_rejects_review_below_go() -> None:
    with pytest.raises(ValueError, match="review_max_no_go"):
        Policy(go_max_no_go=2, review_max_no_go=1)


def _checklist(n_sections: int, *, empty_last: bool = False) -> Checklist:
    sections = []
    for i in range(n_sections):
        criteria = [
            Criterion(id=f"s{i}-p", title="probe", probe=FileProbe(path="x")),
            Criterion(id=f"s{i}-m", title="manual", manual=True),
        ]
        if empty_last and i == n_sections - 1:
            criteria = []
        sections.append(Section(id=f"s{i}", title=f"S{i}", criteria=criteria))
    return Checklist(title="t", sections=sections)


def _all_pass(checklist: Checklist) -> tuple[dict[str, ProbeResult], dict[str, Tick]]:
    results = {}
    ticks = {}
    for _, c in checklist.criteria():
        if c.is_manual:
            ticks[c.id] = Tick(c.id, "alice", T0)
        else:
            results[c.id] = result(c.id, Status.PASS)
    return results, ticks


@pytest.mark.parametrize(
    ("failing_sections", "expected"),
    [(0, Decision.GO), (1, Decision.REVIEW), (2, Decision.NO_GO), (5, Decision.NO_GO)],
)
def test_evaluate_ten_sections(failing_sections: int, expected: Decision) -> None:
    checklist = _checklist(10)
    results, ticks = _all_pass(checklist)
    for i in range(failing_sections):
        results[f"s{i}-p"] = result(f"s{i}-p", Status.FAIL)
    evaluation = evaluate(checklist, results, ticks)
    assert evaluation.decision is expected
    assert evaluation.sections_go == 10 - failing_sections
    assert evaluation.sections_total == 10
    assert [c.criterion.id for c in evaluation.missing] == [
        f"s{i}-p" for i in range(failing_sections)
    ]


def test_waiver_turns_section_go() -> None:
    checklist = _checklist(10)
    results, ticks = _all_pass(checklist)
    results["s3-p"] = result("s3-p", Status.ERROR)
    assert evaluate(checklist, results, ticks).decision is Decision.REVIEW
    evaluation = evaluate(checklist, results, ticks, {"s3-p": waiver("s3-p")})
    assert evaluation.decision is Decision.GO
    outcome = evaluation.outcome("s3-p")
    assert outcome.status is Status.WAIVED and outcome.underlying is Status.ERROR
    assert outcome.waiver is not None and outcome.waiver.operator == "bob"


def test_unticked_manual_blocks_section() -> None:
    checklist = _checklist(10)
    results, ticks = _all_pass(checklist)
    del ticks["s0-m"]
    evaluation = evaluate(checklist, results, ticks)
    assert evaluation.sections[0].status is SectionStatus.NO_GO
    assert evaluation.decision is Decision.REVIEW


def test_error_never_counts_as_passed() -> None:
    checklist = _checklist(1)
    results, ticks = _all_pass(checklist)
    results["s0-p"] = result("s0-p", Status.ERROR)
    evaluation = evaluate(checklist, results, ticks)
    assert evaluation.sections[0].status is SectionStatus.NO_GO
    assert evaluation.count(Status.ERROR) == 1
    assert evaluation.count(Status.FAIL) == 0


def test_empty_section_is_never_go() -> None:
    checklist = _checklist(3, empty_last=True)
    results, ticks = _all_pass(checklist)
    evaluation = evaluate(checklist, results, ticks)
    assert evaluation.sections[-1].status is SectionStatus.NO_GO
    assert evaluation.decision is Decision.REVIEW


def test_missing_results_are_pending() -> None:
    checklist = _checklist(2)
    evaluation = evaluate(checklist, {})
    assert evaluation.count(Status.PENDING) == 4
    assert evaluation.decision is Decision.NO_GO


def test_outcome_by_id() -> None:
    checklist = _checklist(3)
    evaluation = evaluate(checklist, {})
    assert evaluation.outcome("s2-m").criterion.id == "s2-m"
    with pytest.raises(KeyError):
        evaluation.outcome("nope")


_CHANGES = st.lists(
    st.tuples(
        st.integers(0, 3),  # section
        st.booleans(),  # the manual criterion (tick) or the probed one (result)
        st.sampled_from(["pass", "fail", "error", "waive", "unwaive", "untick"]),
    ),
    max_size=30,
)


@given(_CHANGES)
def test_evaluate_with_previous_is_evaluate(changes: list[tuple[int, bool, str]]) -> None:
    """Reusing an earlier evaluation never changes the answer."""
    checklist = _checklist(4)
    results: dict[str, ProbeResult] = {}
    ticks: dict[str, Tick] = {}
    waivers: dict[str, Waiver] = {}
    previous = evaluate(checklist, results, ticks, waivers)
    for section, manual, change in changes:
        cid = f"s{section}-{'m' if manual else 'p'}"
        if change == "waive":
            waivers[cid] = waiver(cid)
        elif change == "unwaive":
            waivers.pop(cid, None)
        elif change == "untick":
            ticks.pop(cid, None)
        elif manual:
            ticks[cid] = Tick(cid, "alice", T0)
        else:
            results[cid] = result(cid, Status(change.upper()))
        again = evaluate(checklist, results, ticks, waivers, previous=previous)
        assert again == evaluate(checklist, results, ticks, waivers)
        previous = again


def test_evaluate_with_previous_keeps_unchanged_sections() -> None:
    checklist = _checklist(4)
    results, ticks = _all_pass(checklist)
    first = evaluate(checklist, results, ticks)
    results = {**results, "s2-p": result("s2-p", Status.FAIL)}
    second = evaluate(checklist, results, ticks, previous=first)
    assert [a is b for a, b in zip(first.sections, second.sections, strict=True)] == [
        True,
        True,
        False,
        True,
    ]
    assert second.sections[2].criteria[1] is first.sections[2].criteria[1]
    assert second.outcome("s2-p").status is Status.FAIL
    other = _checklist(4)
    assert evaluate(other, results, ticks, previous=first).sections[0] is not first.sections[0]


@pytest.mark.parametrize(
    ("decision", "choices"),
    [
        (Decision.GO, (FinalizeChoice.RECORD_GO,)),
        (
            Decision.REVIEW,
            (FinalizeChoice.CTO_APPROVAL, FinalizeChoice.RECORD_NO_GO, FinalizeChoice.OVERRIDE),
        ),
        (Decision.NO_GO, (FinalizeChoice.RECORD_NO_GO, FinalizeChoice.OVERRIDE)),
    ],
)
def test_finalize_choices_follow_the_decision(
    decision: Decision, choices: tuple[FinalizeChoice, ...]
) -> None:
    """A GO can only be recorded as GO; only a REVIEW offers the CTO's approval; an
    override is offered for REVIEW and NO-GO, never for a GO."""
    assert finalize_choices(decision) == choices
