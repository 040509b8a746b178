"""At 80 columns the decision bar's first line is cut: why it is NO-GO (the critical
criterion's title) stays, the waiver count goes after it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.evaluation import Waiver, evaluate
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.ui.screens import review
from gonogo_tui.ui.widgets.decision_bar import DecisionBar
from tests.ui.conftest import shown_text

T0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
CHECKLIST = """\
title: t
sections:
  - id: s
    title: S
    criteria:
      - id: backup-fresh
        title: Database backup < 24h old
        critical: true
        probe: {kind: http, url: 'http://127.0.0.1:9/'}
      - id: hsts
        title: HSTS max-age
        probe: {kind: http, url: 'http://127.0.0.1:9/'}
"""


class BarApp(App[None]):
    CSS_PATH = str(Path(review.__file__).with_name("review.tcss"))  # the bar's sizes

    def compose(self) -> ComposeResult:
        yield DecisionBar()


@pytest.mark.parametrize("width", [80, 120, 200])
async def test_a_cut_first_line_keeps_the_critical_reason(tmp_path: Path, width: int) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CHECKLIST, encoding="utf-8")
    checklist = load_checklist(path, environ={})
    results = {
        cid: ProbeResult(cid, Status.FAIL, "503", "200", "GET /", "HTTP 503", T0, 1.0)
        for cid in ("backup-fresh", "hsts")
    }
    waivers = {"hsts": Waiver("hsts", "alice", T0, "CDN sets HSTS")}
    evaluation = evaluate(checklist, results, {}, waivers)
    async with BarApp().run_test(size=(width, 8)) as pilot:
        bar = pilot.app.query_one(DecisionBar)
        bar.show(evaluation, running=(), stale=0, finalized=None)
        await pilot.pause()
        first = shown_text(bar.query_one("#decision-info", Static)).splitlines()[0]
        if width >= 200:  # room for all: the count stays beside the verdict
            assert first.startswith("Decision by the policy: NO-GO · 1 waiver (critical: Data")
            return
        # Cut: the reason comes before the waiver count; wide enough, it is whole.
        assert "Policy: NO-GO (critical: Database ba" in first, first
        if width >= 120:
            assert "(critical: Database backup < 24h old failed) · 1 waiver ·" in first, first
