"""What the room sees now: WAITING while nothing failed, and blockers by name, failures first."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gonogo_tui.core.blockers import (
    BlockerKind,
    Standing,
    blockers,
    room_view,
    waiting_for,
)
from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.evaluation import Decision, evaluate
from gonogo_tui.core.probes.base import ProbeResult, Status
from tests.core.test_path_to_go import T0, build, state


@pytest.mark.parametrize(
    ("layout", "running", "decision", "standing", "waits_for"),
    [
        # The green demo before anyone ticks: nothing failed, ticks outstanding.
        ("PM P PM", (), "NO-GO", "WAITING", "2 ticks"),
        # Probes not run yet and running, nothing failed.
        ("PN N M", ("s2n0",), "NO-GO", "WAITING", "1 tick, 1 probe running, 1 probe not run"),
        # One section short with ticks outstanding: REVIEW by the policy, still waiting.
        ("PM P P", (), "REVIEW", "WAITING", "1 tick"),
        # A FAIL or an ERROR anywhere: the policy's decision, however much is outstanding.
        ("PFM P P", (), "REVIEW", "REVIEW", "1 tick"),
        ("PE M M", (), "NO-GO", "NO-GO", "2 ticks"),
        # A failure being rerun is still a failure.
        ("F M", ("s1f0",), "NO-GO", "NO-GO", "1 tick"),
        # Everything in: the decision; a waived failure is not a failure.
        ("PT PW", (), "GO", "GO", ""),
        # A section with no criteria can never become GO: not waited for.
        ("P M -", (), "NO-GO", "NO-GO", "1 tick"),
    ],
)
def test_room_view_truth_table(
    tmp_path: Path,
    layout: str,
    running: tuple[str, ...],
    decision: str,
    standing: str,
    waits_for: str,
) -> None:
    checklist = build(tmp_path, layout)
    evaluation = evaluate(checklist, *state(checklist))
    assert evaluation.decision is Decision(decision)
    view = room_view(evaluation, running)
    assert view.standing is Standing(standing)
    assert view.waiting is (standing == "WAITING")
    assert view.waits_for == waits_for


def test_blockers_failures_first_then_errors_ticks_probes(tmp_path: Path) -> None:
    checklist = build(tmp_path, "MN E PF M F")
    evaluation = evaluate(checklist, *state(checklist))
    found = blockers(evaluation, running={"s1n1"})
    assert [(b.kind, b.outcome.criterion.id) for b in found] == [
        (BlockerKind.FAIL, "s3f1"),
        (BlockerKind.FAIL, "s5f0"),
        (BlockerKind.ERROR, "s2e0"),
        (BlockerKind.TICK, "s1m0"),
        (BlockerKind.TICK, "s4m0"),
        (BlockerKind.PROBE, "s1n1"),
    ]
    assert found[-1].running


def test_blocker_texts_use_title_value_and_expected(tmp_path: Path) -> None:
    checklist = build(tmp_path, "MM F E")
    results, ticks, waivers = state(checklist)
    results["s2f0"] = ProbeResult(
        "s2f0", Status.FAIL, "86400", ">= 15552000", "GET /", "max-age too short", T0, 1.0
    )
    results["s3e0"] = ProbeResult(
        "s3e0", Status.ERROR, "", "status 200", "GET /", "Grafana answered 503", T0, 1.0
    )
    evaluation = evaluate(checklist, results, ticks, waivers)
    found = blockers(evaluation)
    assert [b.long for b in found] == [
        "s2f0: 86400, needs ≥ 15552000",
        "s3e0: cannot measure: Grafana answered 503",
        "s1m0: waiting for a tick",
        "s1m1: waiting for a tick",
    ]
    assert [b.short for b in found[:2]] == [
        "s2f0 86400, needs ≥ 15552000",
        "s3e0 cannot measure",
    ]
    assert waiting_for(found) == "2 ticks"


def test_failure_without_value_falls_back_to_detail(tmp_path: Path) -> None:
    checklist = build(tmp_path, "F")
    results = {"s1f0": ProbeResult("s1f0", Status.FAIL, "", "", "GET /", "no body", T0, 1.0)}
    (only,) = blockers(evaluate(checklist, results))
    assert only.long == "s1f0: no body"
    assert only.short == "s1f0 failed"


def test_a_short_blocker_cuts_its_title_before_its_value(tmp_path: Path) -> None:
    checklist = build(tmp_path, "F")
    results = {
        "s1f0": ProbeResult("s1f0", Status.FAIL, "86400", ">= 15552000", "GET /", "d", T0, 1.0)
    }
    (only,) = blockers(evaluate(checklist, results))
    long_title = only.outcome.criterion.model_copy(update={"title": "HSTS max-age of the web app"})
    blocker = replace(only, outcome=replace(only.outcome, criterion=long_title))
    assert blocker.short == "HSTS max-age of the web app 86400, needs ≥ 15552000"
    assert blocker.short_within(100) == blocker.short
    assert blocker.short_within(40) == "HSTS max-age of… 86400, needs ≥ 15552000"
    assert blocker.short_within(30) == "HSTS… 86400, needs ≥ 15552000"


def test_an_advisory_failure_blocks_nothing_and_the_room_still_waits(tmp_path: Path) -> None:
    """Advisory criteria are shown and recorded, never blocking: not a blocker, and their
    failure does not turn a waiting room into NO-GO."""
    path = tmp_path / "c.yaml"
    path.write_text(
        "title: t\nsections:\n"
        "  - id: s1\n    title: S1\n    criteria:\n"
        "      - {id: ok, title: ok, probe: {kind: http, url: 'http://x/'}}\n"
        "      - {id: try, title: New probe, advisory: true,"
        " probe: {kind: http, url: 'http://x/'}}\n"
        "  - id: s2\n    title: S2\n    criteria:\n"
        "      - {id: tick, title: tick, manual: true}\n",
        encoding="utf-8",
    )
    checklist = load_checklist(path)
    results = {
        cid: ProbeResult(cid, status, "v", "e", "GET x", "d", T0, 1.0)
        for cid, status in (("ok", Status.PASS), ("try", Status.FAIL))
    }
    evaluation = evaluate(checklist, results, {}, {})
    assert [b.outcome.criterion.id for b in blockers(evaluation)] == ["tick"]
    assert room_view(evaluation).standing is Standing.WAITING
