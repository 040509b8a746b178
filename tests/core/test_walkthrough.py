"""The walkthrough summary: what blocks GO, as markdown, never overwriting a file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.evaluation import Tick, evaluate
from gonogo_tui.core.evidence import Note
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.walkthrough import walkthrough_summary, write_walkthrough_summary

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
    assert "### 1. One" in text and "### 2. Two" not in text
    assert "- **FAIL** `a` A &lt;b&gt;: value 503, expected status < 400 (stale)" in text.replace(
        "status &lt; 400", "status < 400"
    )
    assert "Detail: HTTP 503\\x1b[31m" in text
    assert "Hint: look at the dashboard" in text
    assert "Runbook: https://runbooks.example/a" in text
    assert "- [ ] `m` Manual M" in text
    assert "- [x] `n` Manual N (ticked by bob at 2026-11-26T10:00:00.000Z: on call)" in text
    assert "## Stale results" in text and "- `a`" in text
    assert "on `a`: remember the flag" in text
    assert "\x1b" not in text


def test_summary_when_nothing_blocks(checklist: Checklist) -> None:
    passing = ProbeResult("a", Status.PASS, "200", "status < 400", "GET x", "", T0, 5.0)
    ticks = {cid: Tick(cid, "bob", T0) for cid in ("m", "n")}
    text = walkthrough_summary(
        checklist, evaluate(checklist, {"a": passing}, ticks), operator="a", at=T0
    )
    assert "Nothing: every section is GO." in text
    assert "**GO**" in text


def test_write_never_overwrites(checklist: Checklist, tmp_path: Path) -> None:
    first = write_walkthrough_summary("one\n", tmp_path / "evidence", T0)
    second = write_walkthrough_summary("two\n", tmp_path / "evidence", T0)
    assert first.name == "walkthrough_20261126_100000.md"
    assert second.name == "walkthrough_20261126_100000_2.md"
    assert first.read_text() == "one\n" and second.read_text() == "two\n"
