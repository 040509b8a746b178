"""Waivers visible everywhere: section header, decision bar, presenter, finalize, the record
and the report; a waiver alone turning REVIEW into GO says so."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Static

from gonogo_tui.core.records.export import record_html, record_markdown
from gonogo_tui.core.records.reading import load_record
from gonogo_tui.ui.screens.finalize import FinalizeModal
from gonogo_tui.ui.screens.presenter import PresenterScreen
from gonogo_tui.ui.widgets.decision_bar import DecisionBar
from gonogo_tui.ui.widgets.section_panel import SectionHeader, SectionPanel
from tests.ui.conftest import AppFactory, finish, review_of, settle, shown_text, tick_all
from tests.ui.fakes import FAIL

ONLY = "GO only because of 1 waiver (else REVIEW): contract-chaos-tests.yml SUCCESS waived by alice (cto), for 1 release: flaky runner"


async def test_a_waiver_is_shown_everywhere_and_owned_at_finalize(
    make_app: AppFactory, evidence: Path
) -> None:
    app, _ = make_app({"ci.contract": FAIL})
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        tick_all(app)
        review = review_of(app)
        review.session.waive("ci.contract", "flaky runner")
        await pilot.pause()
        panel = next(p for p in review.query(SectionPanel) if p.section.id == "ci")
        header = shown_text(panel.query_one(SectionHeader))
        assert header.rstrip().endswith("GO 2/2 · 1 waived"), header
        bar = app.screen.query_one(DecisionBar)
        info = shown_text(bar.query_one("#decision-info"))
        assert "Decision by the policy: GO · 1 waiver" in info, info
        assert "waived by alice (cto), for 1 release: flaky runner" in info, info

        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PresenterScreen)
        summary = shown_text(app.screen.query_one("#presenter-summary", Static))
        assert "GO · 3/3 sections GO · 1 waiver" in summary, summary
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FinalizeModal)
        head = shown_text(app.screen.query_one("#finalize-verdict"))
        assert "GO by the policy · 3/3 sections GO · 1 waiver" in head, head
        reasons = " ".join(shown_text(app.screen.query_one("#finalize-reasons")).split())
        assert "GO only because of 1 waiver (else REVIEW):" in reasons, reasons
        assert (
            "contract-chaos-tests.yml SUCCESS waived by alice (cto), for 1 release: flaky runner"
            in reasons
        )
        await pilot.press("g")
        await finish(pilot)

    (txt,) = sorted(evidence.glob("go_decision_*.txt"))
    assert f"Waivers: {ONLY}" in txt.read_text()
    data = json.loads(txt.with_suffix(".json").read_text())
    assert data["waivers_summary"] == ONLY
    view = load_record(txt.with_suffix(".json"))
    assert f"Waivers: {ONLY}" in record_markdown(view)
    assert f"<dt>Waivers</dt><dd>{ONLY}</dd>" in record_html(view)
