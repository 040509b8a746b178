"""The walkthrough summary: what blocks GO, as markdown, never overwriting a file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gonogo_tui.cli import main
from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import Tick, evaluate
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.records.model import Note
from gonogo_tui.core.walkthrough import (
    walkthrough_data,
    walkthrough_summary,
    write_walkthrough_summary,
)
from gonogo_tui.core.walkthrough_chat import load_walkthrough, walkthrough_markdown

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
CHECKLIST = """\
title: Walk
sections:
  - id: one
    title: One
    requirement: Everything green
    criteria:
      - id: a
        title: A <b>
        probe: {kind: http, url: "http://127.0.0.1:9/a"}
        hint: look at the dashboard
        runbook: https://runbooks.example/a
      - {id: m, title: Manual M, manual: true}
  - id: two
    title: Two
    criteria:
      - {id: n, title: Manual N, manual: true}
"""


@pytest.fixture
def checklist(tmp_path: Path) -> Checklist:
    path = tmp_path / "walk.yaml"
    path.write_text(CHECKLIST)
    return load_checklist(path)


def failing(detail: str = "HTTP 503\x1b[31m") -> ProbeResult:
    return ProbeResult("a", Status.FAIL, "503", "status < 400", "GET x", detail, T0, 5.0)


def test_summary_lists_what_blocks_go(checklist: Checklist) -> None:
    evaluation = evaluate(checklist, {"a": failing()}, {"n": Tick("n", "bob", T0, "on call")})
    text = walkthrough_summary(
        checklist,
        evaluation,
        operator="alice",
        at=T0,
        stale_ids={"a"},
        notes=[Note("remember the flag", "alice", T0, "a")],
    )
    assert "# Walkthrough: Walk" in text
    assert "**REVIEW (CTO approval required)** (1/2 sections GO)" in text
    assert "The call will decide: as it stands: REVIEW; with the tick: REVIEW" in text
    assert "the CTO must approve, or a fixed or waived" in text
    assert "### Fix (1)" in text
    assert (
        "- **FAIL** `a` A &lt;b&gt; (1. One): value 503, expected status &lt; 400 (stale)" in text
    )
    assert "  - Owner: cto (no section owner)" in text
    assert "Detail: HTTP 503\\x1b[31m" in text
    assert "Hint: look at the dashboard" in text
    assert "Runbook: https://runbooks.example/a" in text
    assert "### Ticks to collect (1)\n\n- `m` Manual M (1. One): from cto" in text
    assert "- `a` A &lt;b&gt; (1. One): granted by cto (no section owner)" in text
    assert "- [ ] `m` Manual M" in text
    assert "- [x] `n` Manual N (ticked by bob at 2026-11-26T10:00:00.000Z: on call)" in text
    assert "## Stale results" in text and "\n- `a`\n" in text
    assert "on `a`: remember the flag" in text
    assert "\x1b" not in text


def test_summary_when_nothing_blocks(checklist: Checklist) -> None:
    passing = ProbeResult("a", Status.PASS, "200", "status < 400", "GET x", "", T0, 5.0)
    ticks = {cid: Tick(cid, "bob", T0) for cid in ("m", "n")}
    text = walkthrough_summary(
        checklist, evaluate(checklist, {"a": passing}, ticks), operator="a", at=T0
    )
    assert "Nothing: the decision is GO." in text
    assert "as it stands: GO\n" in text
    assert "**GO**" in text


def test_write_never_overwrites(checklist: Checklist, tmp_path: Path) -> None:
    first = write_walkthrough_summary("one\n", tmp_path / "evidence", T0)
    second = write_walkthrough_summary("two\n", tmp_path / "evidence", T0)
    assert first.name == "walkthrough_20261126_100000.md"
    assert second.name == "walkthrough_20261126_100000_2.md"
    assert first.read_text() == "one\n" and second.read_text() == "two\n"


def test_json_twin_and_chat_message(checklist: Checklist, tmp_path: Path) -> None:
    hostile = "<!channel> `x` [a](javascript:1)"
    results = {"a": failing(hostile)}
    evaluation = evaluate(checklist, results)
    args = {"operator": "alice", "at": T0, "release": "v1.4.0", "stale_ids": {"a"}}
    text = walkthrough_summary(checklist, evaluation, **args)
    data = walkthrough_data(checklist, evaluation, **args)
    path = write_walkthrough_summary(text, tmp_path / "evidence", T0, data)
    twin = path.with_suffix(".json")
    assert json.loads(twin.read_text())["format"] == "gonogo-walkthrough/1"
    # The .md and the .json lead to the same message.
    message = walkthrough_markdown(load_walkthrough(path), link="https://ci/walk")
    assert message == walkthrough_markdown(load_walkthrough(twin), link="https://ci/walk")
    lines = message.splitlines()
    assert lines[0] == "*Before the call: Walk* (release v1.4.0)"
    assert lines[1] == "If the call were now: *NO-GO ❌* (0/2 sections GO)"
    assert lines[2].startswith("The call will decide: as it stands: NO-GO; with the 2 ticks:")
    assert "*Fix (1)*" in lines
    assert (
        "- 1. One: a (A &lt;b&gt;) FAIL: &lt;!channel&gt; 'x' [a] (javascript:1)"
        " — owner cto (no section owner) — runbook https://runbooks.example/a" in lines
    )
    assert "*Ticks to collect (2)*" in lines
    assert "- 2. Two: n (Manual N) — from cto (no section owner)" in lines
    assert "*Or waive instead of fixing (1)*" in lines
    assert "*Stale: rerun before the call (1)*" in lines
    assert lines[-1] == "Summary: https://ci/walk"


def test_load_walkthrough_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    old = tmp_path / "walkthrough_20261126_100000.md"
    old.write_text("# Walkthrough\n")
    with pytest.raises(EvidenceError, match="its JSON twin walkthrough_20261126_100000.json"):
        load_walkthrough(old)
    old.with_suffix(".json").write_text('{"format": "gonogo-decision-record/1"}')
    with pytest.raises(EvidenceError, match="not a gonogo walkthrough"):
        load_walkthrough(old)
    with pytest.raises(EvidenceError, match="no such walkthrough"):
        load_walkthrough(tmp_path / "walkthrough_x.json")


def test_gonogo_report_of_a_walkthrough(
    checklist: Checklist, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evaluation = evaluate(checklist, {"a": failing("status 503")})
    args = {"operator": "alice", "at": T0}
    path = write_walkthrough_summary(
        walkthrough_summary(checklist, evaluation, **args),
        tmp_path,
        T0,
        walkthrough_data(checklist, evaluation, **args),
    )
    assert main(["report", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("*Before the call: Walk*\n")
    assert "*Fix (1)*\n- 1. One: a (A &lt;b&gt;) FAIL: status 503" in out
    assert main(["report", str(path), "--format", "html"]) == 2
    assert "a walkthrough summary has no HTML form" in capsys.readouterr().err


def test_summary_says_when_the_decision_rests_on_a_waiver(checklist: Checklist) -> None:
    """`GO` alone would hide that a failure was waived: the summary names the waiver."""
    from gonogo_tui.core.evaluation import Waiver

    ticks = {cid: Tick(cid, "bob", T0) for cid in ("m", "n")}
    waivers = {"a": Waiver("a", "kim", T0, "CDN sets HSTS in front")}
    evaluation = evaluate(checklist, {"a": failing()}, ticks, waivers)
    text = walkthrough_summary(checklist, evaluation, operator="kim", at=T0)
    assert "**GO**" in text
    assert "- Waivers: GO only because of 1 waiver" in text, text
    assert "waived by kim: CDN sets HSTS in front" in text


def test_summary_marks_a_critical_criterion_to_fix(tmp_path: Path) -> None:
    """Issue 17 point 1: the walkthrough's message says which fix alone keeps it NO-GO."""
    path = tmp_path / "walk.yaml"
    path.write_text(
        CHECKLIST.replace("        hint: look", "        critical: true\n        hint: look")
    )
    checklist = load_checklist(path)
    evaluation = evaluate(checklist, {"a": failing()}, {})
    text = walkthrough_summary(checklist, evaluation, operator="alice", at=T0)
    assert "- **FAIL** `a` A &lt;b&gt; (1. One) **critical**: value 503" in text
    assert "- `m` Manual M (1. One): from cto" in text  # not critical: no mark
    data = walkthrough_data(checklist, evaluation, operator="alice", at=T0)
    message = walkthrough_markdown(data)
    assert "- 1. One: a (A &lt;b&gt;) *critical* FAIL: HTTP 503" in message
    assert "- 1. One: m (Manual M) — from cto" in message
