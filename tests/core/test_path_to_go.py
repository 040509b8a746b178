"""The path to GO: the smallest set of changes, by truth tables over small checklists."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.evaluation import Decision, Tick, Waiver, evaluate
from gonogo_tui.core.path_to_go import (
    Step,
    attention_order,
    attention_rank,
    estimate,
    needs_attention,
    path_to_go,
)
from gonogo_tui.core.probes.base import ProbeResult, Status

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
_STATUS = {"P": Status.PASS, "F": Status.FAIL, "E": Status.ERROR, "W": Status.FAIL}


def build(tmp_path: Path, layout: str, go_max: int = 0, review_max: int = 1) -> Checklist:
    """A checklist from a layout such as `PF M T`: one word per section, one letter per
    criterion (P pass, F fail, E error, N not run, W failure waived, M manual waiting,
    T manual ticked, `-` an empty section). Ids are `s<section><letter><index>`."""
    sections = []
    for number, word in enumerate(layout.split(), start=1):
        criteria = []
        for index, letter in enumerate(word.strip("-")):
            cid = f"s{number}{letter.lower()}{index}"
            if letter in "MT":
                criteria.append({"id": cid, "title": cid, "manual": True})
            else:
                criteria.append(
                    {"id": cid, "title": cid, "probe": {"kind": "http", "url": "http://x/"}}
                )
        section = {"id": f"s{number}", "title": f"S{number}", "criteria": criteria}
        if number == 1:
            section["owner"] = "Security Lead"
        sections.append(section)
    doc = {
        "title": "T",
        "policy": {"go_max_no_go": go_max, "review_max_no_go": review_max},
        "sections": sections,
    }
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return load_checklist(path)


def state(
    checklist: Checklist,
) -> tuple[dict[str, ProbeResult], dict[str, Tick], dict[str, Waiver]]:
    results: dict[str, ProbeResult] = {}
    ticks: dict[str, Tick] = {}
    waivers: dict[str, Waiver] = {}
    for section in checklist.sections:
        for criterion in section.criteria:
            letter = criterion.id[2].upper()
            if letter in _STATUS:
                status = _STATUS[letter]
                results[criterion.id] = ProbeResult(
                    criterion.id, status, "v", "e", "GET x", "d", T0, 1.0
                )
            if letter == "W":
                waivers[criterion.id] = Waiver(criterion.id, "kim", T0, "accepted")
            if letter == "T":
                ticks[criterion.id] = Tick(criterion.id, "kim", T0)
    return results, ticks, waivers


@pytest.mark.parametrize(
    ("layout", "go_max", "review_max", "now", "changes", "with_ticks", "reachable"),
    [
        # Everything passing: GO, nothing to change.
        ("PP P T", 0, 1, "GO", [], "GO", True),
        # Only ticks missing: the ticks are the path, and collecting them gives GO.
        ("PM P M", 0, 1, "NO-GO", ["s1m1", "s3m0"], "GO", True),
        # The review demo: ticks in four sections, one failure; with the ticks, REVIEW.
        (
            "PM PM PF PM PM P",
            0,
            1,
            "NO-GO",
            ["s1m1", "s2m1", "s3f1", "s4m1", "s5m1"],
            "REVIEW",
            True,
        ),
        # One failing section: REVIEW now; the fix is the whole path.
        ("PF P P", 0, 1, "REVIEW", ["s1f1"], "REVIEW", True),
        # An error counts like a failure; a probe not run yet must run.
        ("PE N P", 0, 1, "NO-GO", ["s1e1", "s2n0"], "NO-GO", True),
        # A waived failure is passed: nothing to change.
        ("PW P", 0, 1, "GO", [], "GO", True),
        # go_max 1 lets one section stay NO-GO: fix the cheapest, leave the costliest.
        ("FFF F P", 1, 2, "REVIEW", ["s2f0"], "REVIEW", True),
        # Ties by cost go to the earlier section; a tick is cheaper than a fix.
        ("F M P", 1, 2, "REVIEW", ["s2m0"], "GO", True),
        ("F F P", 1, 2, "REVIEW", ["s1f0"], "REVIEW", True),
        # An empty section is never GO: no path unless the policy tolerates it.
        ("P -", 0, 1, "REVIEW", [], "REVIEW", False),
        ("P - F", 1, 2, "REVIEW", ["s3f0"], "REVIEW", True),
        # One section, failing: never REVIEW, the fix gives GO.
        ("F", 0, 1, "NO-GO", ["s1f0"], "NO-GO", True),
        # Three sections NO-GO with the ticks: NO-GO still.
        ("F E M F P", 0, 1, "NO-GO", ["s1f0", "s2e0", "s3m0", "s4f0"], "NO-GO", True),
    ],
)
def test_path_to_go_truth_table(
    tmp_path: Path,
    layout: str,
    go_max: int,
    review_max: int,
    now: str,
    changes: list[str],
    with_ticks: str,
    reachable: bool,
) -> None:
    checklist = build(tmp_path, layout, go_max, review_max)
    evaluation = evaluate(checklist, *state(checklist))
    path = path_to_go(evaluation, checklist.policy)
    assert path.decision.value == now
    assert [c.outcome.criterion.id for c in path.changes] == changes
    assert path.with_ticks.value == with_ticks
    assert path.reachable is reachable
    # Applying the changes gives GO: the set is sufficient.
    if reachable and changes:
        results, ticks, waivers = state(checklist)
        for change in path.changes:
            cid = change.outcome.criterion.id
            if change.step is Step.TICK:
                ticks[cid] = Tick(cid, "kim", T0)
            else:
                results[cid] = ProbeResult(cid, Status.PASS, "v", "e", "GET x", "d", T0, 1.0)
        assert evaluate(checklist, results, ticks, waivers).decision is Decision.GO


def test_steps_owners_and_waivers(tmp_path: Path) -> None:
    checklist = build(tmp_path, "FEM N")
    evaluation = evaluate(checklist, *state(checklist))
    path = path_to_go(evaluation, checklist.policy, stale_ids={"s1f0", "nope"})
    steps = {c.outcome.criterion.id: c.step for c in path.changes}
    assert steps == {"s1f0": Step.FIX, "s1e1": Step.FIX, "s1m2": Step.TICK, "s2n0": Step.RUN}
    # Only what was measured can be waived; the section owner grants it, else the CTO role.
    assert [c.outcome.criterion.id for c in path.waivers] == ["s1f0", "s1e1"]
    assert {c.who for c in path.changes if c.section.number == 1} == {"Security Lead"}
    assert {c.who for c in path.changes if c.section.number == 2} == {"cto (no section owner)"}
    assert [c.outcome.criterion.id for c in path.ticks_collectable] == ["s1m2"]
    assert path.stale == ("s1f0",)


@pytest.mark.parametrize(
    ("layout", "go_max", "review_max", "expected"),
    [
        ("PP P", 0, 1, "as it stands: GO"),
        ("PM P", 0, 1, "as it stands: REVIEW; with the tick: GO"),
        (
            "PM PM PF PM PM P",
            0,
            1,
            "as it stands: NO-GO; with the 4 ticks: REVIEW (1 section NO-GO: 3. S3: s3f1)"
            " — the CTO must approve, or s3f1 fixed or waived",
        ),
        (
            "FE N P",
            0,
            1,
            "as it stands: NO-GO (2 sections NO-GO: 1. S1: s1f0, s1e1; 2. S2: s2n0)"
            " — for GO: s1f0, s1e1 fixed or waived and s2n0 run and passing;"
            " for REVIEW (CTO to approve), 1 section of 2 brought to GO",
        ),
        (
            "P -",
            0,
            1,
            "as it stands: REVIEW (1 section NO-GO: 2. S2: no criteria)"
            " — no change can give GO (a section without criteria is never GO)",
        ),
    ],
)
def test_estimate(tmp_path: Path, layout: str, go_max: int, review_max: int, expected: str) -> None:
    checklist = build(tmp_path, layout, go_max, review_max)
    path = path_to_go(evaluate(checklist, *state(checklist)), checklist.policy)
    assert estimate(path) == expected


def test_attention_order_and_needs_attention(tmp_path: Path) -> None:
    # P pass, W waived, N not run, M tick waiting, E error, F fail, then a stale pass.
    checklist = build(tmp_path, "PWNMEFP P")
    evaluation = evaluate(checklist, *state(checklist))
    mixed, green = evaluation.sections
    order = [o.criterion.id for o in attention_order(mixed, {"s1p6"})]
    assert order == ["s1f5", "s1e4", "s1m3", "s1p6", "s1n2", "s1w1", "s1p0"]
    ranks = [attention_rank(o, stale=o.criterion.id == "s1p6") for o in mixed.criteria]
    assert ranks == [6, 5, 4, 2, 1, 0, 3]
    assert needs_attention(mixed) and not needs_attention(green)
    assert needs_attention(green, {"s2p0"})  # a stale pass needs a rerun before the call
