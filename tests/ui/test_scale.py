"""The review at scale (issue 7): a generated checklist of 100 sections x 10 criteria.

Far panels are parked (hidden rows, same height) and panels out of view draw their changes
only when they come into view; these tests check that nothing of that shows: every result
is recorded, navigation reaches the last section, rows show their latest state when seen,
and the layout is the one Textual makes of unparked panels.
"""

from __future__ import annotations

import asyncio
import gc
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.containers import VerticalScroll

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.evaluation import evaluate
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.ui.app import GC_THRESHOLDS
from gonogo_tui.ui.looks import PanelState, RowState
from gonogo_tui.ui.screens.review import ReviewScreen
from gonogo_tui.ui.widgets import section_parking
from gonogo_tui.ui.widgets.criterion_row import CriterionRow
from gonogo_tui.ui.widgets.decision_bar import blockers_summary
from tests.ui.conftest import AppFactory, review_of, settle
from tests.ui.fakes import FAIL

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

SECTIONS, PER_SECTION = 100, 10


def scale_checklist(tmp_path: Path, sections: int = SECTIONS) -> Checklist:
    """`sections` x 10 http probes (never contacted: the tests use the fake runner)."""
    lines = ["title: scale", "sections:"]
    for section in range(sections):
        lines += [f"  - id: s{section}", f"    title: Section {section}", "    criteria:"]
        lines += [
            f"      - {{id: c{section}-{item}, title: probe {section}.{item},"
            " probe: {kind: http, url: 'http://127.0.0.1:9/x'}}"
            for item in range(PER_SECTION)
        ]
    path = tmp_path / "scale.yaml"
    path.write_text("\n".join(lines) + "\n")
    return load_checklist(path, environ={})


async def until(condition: object, pilot: object, timeout: float = 10.0) -> None:
    """Pause until `condition()` holds (results are recorded in batches while many probes
    run, up to BUSY_INTERVAL after they arrive)."""
    async with asyncio.timeout(timeout):
        while not condition():  # type: ignore[operator]
            await pilot.pause(0.02)  # type: ignore[attr-defined]


def rows_of(review: ReviewScreen) -> dict[str, CriterionRow]:
    return {row.criterion_id: row for row in review.query(CriterionRow)}


async def test_a_thousand_criteria_open_navigate_and_update(
    make_app: AppFactory, tmp_path: Path
) -> None:
    checklist = scale_checklist(tmp_path)
    app, runner = make_app({"c0-3": FAIL, "c99-9": FAIL}, checklist=checklist, hang={"c50-0"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, hanging={"c50-0"})
        review = review_of(app)
        await until(lambda: review.running == {"c50-0"}, pilot)
        assert len(runner.calls) == 1000
        assert len(review.journal.state.results) == 999
        assert len(rows_of(review)) == 1000
        panels = review._panels
        assert panels[0].live and not panels[0].parked
        assert panels[99].parked and not panels[99].live
        assert sum(1 for panel in panels if not panel.parked) < 50
        # Parked panels keep their height: 50 grid rows of a header and ten rows.
        assert review.query_one("#section-grid").outer_size.height == 50 * 11
        # Far away, a panel keeps its latest state to show when it comes into view.
        assert panels[99].state is PanelState.NO_GO
        assert rows_of(review)["c99-9"].view.state is RowState.PENDING

        await pilot.press("shift+tab")  # wraps to the last section, parked until now
        await pilot.pause()
        await pilot.pause()
        assert review.selected == "c99-0"
        row = rows_of(review)["c99-9"]
        assert panels[99].live and not panels[99].parked
        assert row.view.state is RowState.FAIL and "FAIL" in str(row.render())
        assert panels[99].header.has_class("-no-go")
        sections = review.query_one("#sections", VerticalScroll)
        assert sections.region.contains_region(rows_of(review)["c99-0"].region)
        assert "c99-0 · section 100" in str(review.query_one("#detail-text").render())
        assert panels[0].parked  # the first section is now far away

        await pilot.press("tab")  # and back to the first one
        await pilot.pause()
        await pilot.pause()
        assert review.selected == "c0-0"
        assert sections.region.contains_region(rows_of(review)["c0-0"].region)
        assert rows_of(review)["c0-3"].view.state is RowState.FAIL
        assert panels[0].live and panels[99].parked

        await pilot.press("R")  # a thousand probes again; the hanging one restarts too
        await until(lambda: len(runner.calls) == 2000 and review.running == {"c50-0"}, pilot)
        assert len(review.journal.state.results) == 999
        assert review.snapshot.evaluation.outcome("c99-9").status is Status.FAIL


async def test_arrows_move_the_selection_when_the_sections_scroll(
    make_app: AppFactory, tmp_path: Path
) -> None:
    """With more sections than the screen holds, the scrolling section grid must not take
    the arrow keys for itself: they move the selection, and the view follows it."""
    checklist = scale_checklist(tmp_path, sections=20)
    app, _ = make_app({}, checklist=checklist)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = review_of(app)
        sections = review.query_one("#sections", VerticalScroll)
        assert sections.max_scroll_y > 0
        await pilot.press("down", "down", "right")
        assert review.selected == "c1-2"
        await pilot.press("left", "up")
        assert review.selected == "c0-1"
        for _ in range(18):
            await pilot.press("right")
        await pilot.pause()
        assert review.selected == "c18-1"
        assert sections.region.contains_region(rows_of(review)["c18-1"].region)


async def test_parked_panels_take_the_place_they_would_take(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a short terminal passing rows fold away, so a parked panel's height depends on
    its rows' states; the review's own model of the panels' places must match Textual's."""
    checklist = scale_checklist(tmp_path)
    failing = {f"c{s}-{item}": FAIL for s in range(SECTIONS) for item in range(s % 4)}
    app, _ = make_app(failing, checklist=checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        review = review_of(app)
        await until(lambda: not review.running, pilot)
        await pilot.pause()
        panels = review._panels
        assert review.has_class("-short")
        assert panels[-1].parked
        parked = [panel.outer_size.height for panel in panels]
        spans = review._panel_spans()
        assert spans == [(panel.virtual_region.y, panel.virtual_region.bottom) for panel in panels]
        monkeypatch.setattr(section_parking, "PARK_BATCH", len(panels) + 1)  # none parks again
        for panel in panels:
            panel.set_live(True)
        await pilot.pause()
        await pilot.pause()
        assert not any(panel.parked for panel in panels)
        assert [panel.outer_size.height for panel in panels] == parked
        # A header and the failing rows (and in the first section, the selected row).
        assert parked[:4] == [2, 2, 3, 4] and parked[-4:] == [1, 2, 3, 4]


def test_the_decision_bar_summary_stops_past_any_terminal(tmp_path: Path) -> None:
    checklist = scale_checklist(tmp_path, sections=20)
    results = {
        c.id: ProbeResult(c.id, Status.FAIL, "5", "== 1", "GET x", "d", T0, 1.0)
        for section in checklist.sections
        for c in section.criteria
    }
    evaluation = evaluate(checklist, results)
    full = blockers_summary(evaluation)
    assert full.startswith("Blocks GO: probe 0.0 5, needs 1 · probe 0.1 5, needs 1")
    cut = blockers_summary(evaluation, limit=300)
    assert cut.endswith(" more") and len(cut) <= 300 and len(cut) < len(full)
    assert full.startswith(cut.rsplit(" · +", 1)[0])
    assert blockers_summary(evaluation, limit=len(full) + 10) == full
    assert blockers_summary(evaluate(checklist, {})) == "Blocks GO: 200 probes not run"


async def test_tune_gc_lasts_as_long_as_the_app(make_app: AppFactory) -> None:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    app, _ = make_app(tune_gc=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
