"""Waivers as the room and the record show them: who waived what and why, and whether the
decision rests on them ("GO only because of 1 waiver")."""

from __future__ import annotations

from pathlib import Path

import pytest

from gonogo_tui.core.evaluation import Decision, evaluate
from gonogo_tui.core.waivers import (
    decision_without_waivers,
    waived,
    waiver_text,
    waivers_decide,
    waivers_summary,
)
from tests.core.test_path_to_go import build, state


@pytest.mark.parametrize(
    ("layout", "decision", "without", "summary"),
    [
        # One section short turned GO by a waiver alone: said plainly.
        (
            "PW P P",
            "GO",
            "REVIEW",
            "GO only because of 1 waiver (else REVIEW): s1w1 waived by kim: accepted",
        ),
        # Two sections short: REVIEW only because of a waiver (else NO-GO).
        (
            "PW F P",
            "REVIEW",
            "NO-GO",
            "REVIEW only because of 1 waiver (else NO-GO): s1w1 waived by kim: accepted",
        ),
        # A waiver in a section that is short anyway changes nothing: listed, not blamed.
        ("WF P P", "REVIEW", "REVIEW", "1 waiver: s1w0 waived by kim: accepted"),
        # No waiver, nothing to say.
        ("P P P", "GO", "GO", ""),
    ],
)
def test_waivers_summary_says_when_the_decision_rests_on_them(
    tmp_path: Path, layout: str, decision: str, without: str, summary: str
) -> None:
    checklist = build(tmp_path, layout)
    evaluation = evaluate(checklist, *state(checklist))
    assert evaluation.decision is Decision(decision)
    assert decision_without_waivers(evaluation, checklist.policy) is Decision(without)
    assert waivers_decide(evaluation, checklist.policy) is (decision != without)
    assert waivers_summary(evaluation, checklist.policy) == summary


def test_waiver_text_reads_waived_by_name_reason(tmp_path: Path) -> None:
    checklist = build(tmp_path, "W")
    evaluation = evaluate(checklist, *state(checklist))
    (only,) = waived(evaluation)
    assert waiver_text(only) == "s1w0 waived by kim: accepted"
