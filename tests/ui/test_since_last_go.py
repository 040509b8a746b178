"""What changed since the last GO, in the review: each row's value at the last GO with a
marker when it moved the wrong way, the detail pane's history, and the `c` filter. The last
GO is a real record written into the evidence folder by the real record code."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Static

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.evaluation import evaluate
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.records.build import build_record
from gonogo_tui.core.records.write import write_record
from gonogo_tui.ui.widgets.criterion_row import CriterionRow
from gonogo_tui.ui.widgets.detail_pane import DetailPane
from tests.ui.conftest import AppFactory, review_of, settle, shown_text
from tests.ui.fakes import Scripted
from tests.ui.test_row_values import CHECKLIST, SCRIPT

LAST_GO = {
    "backup": (Status.PASS, "2.00", "backup_age_hours = 2.00; 1 row"),
    "pitr": (Status.PASS, "2.00", "pitr_test_age_days = 2.00; 1 row"),
    "hsts": (Status.PASS, "31536000", "header Strict-Transport-Security 31536000"),
    "cpu": (Status.PASS, "resource_utilization_ratio 52%", "resource_utilization_ratio 52%"),
}
"""What the last GO measured: the backup 2 h old, HSTS a year, CPU 52 %; PITR as now."""


def _checklist(tmp_path: Path) -> Checklist:
    path = tmp_path / "values.yaml"
    path.write_text(CHECKLIST, encoding="utf-8")
    return load_checklist(path)


def _write_go(
    checklist: Checklist,
    evidence: Path,
    *,
    days_ago: int = 6,
    backup_hours: float = 2,
    pitr_days: float = 2,
) -> None:
    decided = datetime(2026, 12, 1, 10, 0, tzinfo=UTC) - timedelta(days=days_ago - 6)
    measured = dict(LAST_GO)
    days = f"{pitr_days:.2f}"
    measured["pitr"] = (Status.PASS, days, f"pitr_test_age_days = {days}; 1 row")
    raw = f"{backup_hours:.2f}"
    measured["backup"] = (Status.PASS, raw, f"backup_age_hours = {raw}; 1 row")
    results = {
        cid: ProbeResult(cid, status, value, "e", "s", detail, decided, 1.0)
        for cid, (status, value, detail) in measured.items()
    }
    evaluation = evaluate(checklist, results, {})
    assert evaluation.decision.value == "GO"
    record = build_record(
        checklist, evaluation, operator="olivia", decided_at=decided, release="v2.3.1"
    )
    evidence.mkdir(parents=True, exist_ok=True)
    write_record(record, evidence, now=lambda: decided + timedelta(seconds=5))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_rows_mark_what_moved_the_wrong_way_since_the_last_go(
    make_app: AppFactory, tmp_path: Path, evidence: Path, size: tuple[int, int]
) -> None:
    checklist = _checklist(tmp_path)
    _write_go(checklist, evidence)
    app, _ = make_app(SCRIPT, checklist=checklist)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        review = review_of(app)
        rows = {row.criterion_id: row for row in review.query(CriterionRow)}
        views = {cid: row.view for cid, row in rows.items()}
        assert (views["backup"].since, views["backup"].arrow) == ("last GO 2 h", "▲")
        assert (views["hsts"].since, views["hsts"].arrow) == ("last GO 31536000 s", "▼")
        assert (views["cpu"].since, views["cpu"].arrow) == ("last GO 52 %", "▲")
        assert (views["pitr"].since, views["pitr"].arrow, views["pitr"].moved) == ("", "", False)
        # The value and its threshold are still there, the marker beside them.
        assert "30 h old" in shown_text(rows["backup"])
        assert "▲" in shown_text(rows["backup"]) and "▼" in shown_text(rows["hsts"])
        assert "▲" not in shown_text(rows["pitr"]) and "last GO" not in shown_text(rows["pitr"])


@pytest.mark.parametrize("size", [(120, 40), (220, 50)])
async def test_a_wide_row_shows_the_value_at_the_last_go(
    make_app: AppFactory, tmp_path: Path, evidence: Path, size: tuple[int, int]
) -> None:
    checklist = _checklist(tmp_path)
    _write_go(checklist, evidence)
    script = dict(SCRIPT)
    script["pitr"] = Scripted(Status.PASS, "5.00", "pitr_test_age_days = 5.00; 1 row")
    app, _ = make_app(script, checklist=checklist)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        rows = {row.criterion_id: row for row in review_of(app).query(CriterionRow)}
        if size[0] > 200:  # a failing value and its threshold take more room
            assert "30 h old, needs < 24 h (last GO 2 h ▲)" in shown_text(rows["backup"])
        # PITR moved (2 -> 5 days old, still passing): the wrong way for `<= 7`.
        assert "5 d old (last GO 2 d ▲)" in shown_text(rows["pitr"])


async def test_detail_pane_shows_the_last_go_and_the_history(
    make_app: AppFactory, tmp_path: Path, evidence: Path
) -> None:
    checklist = _checklist(tmp_path)
    _write_go(checklist, evidence, days_ago=8, backup_hours=9)
    _write_go(checklist, evidence, days_ago=7, backup_hours=5)
    _write_go(checklist, evidence, days_ago=6, backup_hours=2)
    app, _ = make_app(SCRIPT, checklist=checklist)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = review_of(app)
        review.selected = "backup"
        await pilot.press("d")  # full screen: every line of the detail
        await pilot.pause()
        text = shown_text(review.query_one(DetailPane))
        assert "last GO (v2.3.1, 2026-12-01): 2 h PASS; now 30 h FAIL ▲ (worse)" in text
        assert "█▄▁  9 h · 5 h · 2 h (last 3 decisions, oldest first)" in text, text


async def test_filter_shows_only_the_rows_that_moved(
    make_app: AppFactory, tmp_path: Path, evidence: Path
) -> None:
    checklist = _checklist(tmp_path)
    _write_go(checklist, evidence)
    app, _ = make_app(SCRIPT, checklist=checklist)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = review_of(app)
        review.selected = "pitr"
        rows = {row.criterion_id: row for row in review.query(CriterionRow)}
        await pilot.press("c")
        await pilot.pause()
        assert review.changed.on
        assert review.selected == "backup"  # a row that moved, shown
        assert rows["pitr"].has_class("-fold") and not rows["pitr"].display
        assert {cid for cid, row in rows.items() if row.display} == {"backup", "hsts", "cpu"}
        assert any(
            "Changed since the last GO (v2.3.1, 2026-12-01): 3 criteria, 3 the wrong way"
            in n.message
            for n in app._notifications
        )
        await pilot.press("down")
        assert review.selected == "hsts"  # the keys move among the rows shown: not pitr
        await pilot.press("down", "down")
        assert review.selected == "cpu"
        await pilot.press("c")
        await pilot.pause()
        assert not review.changed.on and rows["pitr"].display


async def test_the_filter_shows_a_passing_row_that_moved_on_a_short_screen(
    make_app: AppFactory, tmp_path: Path, evidence: Path
) -> None:
    # At 80x24 passing rows fold away; under the filter a passing row that moved (PITR 5 d
    # old at the last GO, 2 d now) shows all the same: the notice counted it.
    checklist = _checklist(tmp_path)
    _write_go(checklist, evidence, pitr_days=5)
    app, _ = make_app(SCRIPT, checklist=checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        review = review_of(app)
        rows = {row.criterion_id: row for row in review.query(CriterionRow)}
        assert rows["pitr"].view.moved and rows["pitr"].has_class("-fold")  # folded: passing
        await pilot.press("c")
        await pilot.pause()
        assert review.changed.on and review.selected == "backup"
        assert any("4 criteria" in n.message for n in app._notifications)
        shown = {cid for cid, row in rows.items() if row.display}
        assert shown == {"backup", "pitr", "hsts", "cpu"}
        assert "2 d old" in shown_text(rows["pitr"])
        await pilot.press("c")
        await pilot.pause()
        assert not review.changed.on and not rows["pitr"].display  # folded again: passing


async def test_no_last_go_no_marks_and_the_filter_says_so(
    make_app: AppFactory, tmp_path: Path
) -> None:
    app, _ = make_app(SCRIPT, checklist=_checklist(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = review_of(app)
        assert all(not row.view.since for row in review.query(CriterionRow))
        await pilot.press("c")
        await pilot.pause()
        assert not review.changed.on
        assert any("No GO in the ledger yet" in n.message for n in app._notifications)


async def test_the_palette_and_help_offer_the_filter(
    make_app: AppFactory, tmp_path: Path, evidence: Path
) -> None:
    checklist = _checklist(tmp_path)
    _write_go(checklist, evidence)
    app, _ = make_app(SCRIPT, checklist=checklist)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"changed since the last GO")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert review_of(app).changed.on
        await pilot.press("question_mark")
        console = Console(record=True, width=120, file=io.StringIO())
        for static in app.screen.query("#help-keys Static").results(Static):
            console.print(static.content)
        assert re.search(
            r"\bc +Changed since last GO +Show only the criteria", console.export_text()
        )


async def test_the_meetings_record_lists_what_moved_the_wrong_way(
    make_app: AppFactory, tmp_path: Path, evidence: Path
) -> None:
    checklist = _checklist(tmp_path)
    _write_go(checklist, evidence)
    app, _ = make_app(SCRIPT, checklist=checklist)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        session = review_of(app).session
        outcome = session.finalize(session.snapshot.evaluation)
        text = outcome.paths.txt.read_text(encoding="utf-8")
    assert "Changed since last GO (v2.3.1, 2026-12-01): 3 moved, 3 the wrong way:" in text
    assert "- backup: Database backup taken less than 24 hours before the deployment: " in text
    assert "2 h PASS → 30 h FAIL ▲" in text
    assert "- hsts: " in text and "31536000 s PASS → 86400 s FAIL ▼" in text


@pytest.mark.parametrize("size", [(140, 40), (150, 40)])
async def test_a_long_title_gives_way_to_the_last_go_value(
    make_app: AppFactory, tmp_path: Path, evidence: Path, size: tuple[int, int]
) -> None:
    checklist = _checklist(tmp_path)
    _write_go(checklist, evidence)
    script = dict(SCRIPT)
    script["backup"] = Scripted(Status.PASS, "5.00", "backup_age_hours = 5.00; 1 row")
    app, _ = make_app(script, checklist=checklist)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        rows = {row.criterion_id: row for row in review_of(app).query(CriterionRow)}
        text = shown_text(rows["backup"])
        # Passing, but 3 h older than at the last GO: the title is cut to show both.
        assert "5 h old (last GO 2 h ▲)" in text, text
        assert "Database backup" in text and "…" in text
