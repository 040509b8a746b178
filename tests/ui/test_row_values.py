"""The row's value column: the measured value with its unit, and on a failing row the
threshold too, never cut while the title can give way; never SQL or a metric's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.probes.base import Status
from gonogo_tui.ui.widgets.criterion_row import CriterionRow
from tests.ui.conftest import AppFactory, review_of, settle, shown_text
from tests.ui.fakes import Scripted

CHECKLIST = """\
title: Values
sections:
  - id: db
    title: Rollback Readiness
    criteria:
      - id: backup
        title: Database backup taken less than 24 hours before the deployment
        critical: true
        probe:
          kind: sql
          dsn: postgresql://127.0.0.1:9/db
          query: SELECT 1
          rows: '== 1'
          value: {column: backup_age_hours, compare: '< 24'}
      - id: pitr
        title: PITR tested
        probe:
          kind: sql
          dsn: postgresql://127.0.0.1:9/db
          query: SELECT 1
          value: {column: pitr_test_age_days, compare: '<= 7'}
  - id: web
    title: Security Headers
    criteria:
      - id: hsts
        title: "HSTS: max-age ≥ 15552000 on the web app's every answer"
        probe:
          kind: http
          url: http://127.0.0.1:9/
          status: 200
          header_numbers:
            - {header: Strict-Transport-Security, regex: 'max-age=(\\d+)', compare: '>= 15552000'}
      - id: cpu
        title: CPU/Memory < 70%
        probe:
          kind: metrics
          url: http://127.0.0.1:9/metrics
          gauge: resource_utilization_ratio
          scale: 100
          unit: '%'
          compare: '< 70'
"""

SCRIPT = {
    "backup": Scripted(Status.FAIL, "30.00", "backup_age_hours = 30.00 (expected < 24)"),
    "pitr": Scripted(Status.PASS, "2.00", "pitr_test_age_days = 2.00; 1 row"),
    "hsts": Scripted(
        Status.FAIL, "86400", "header Strict-Transport-Security: 86400 (expected >= 15552000)"
    ),
    "cpu": Scripted(
        Status.FAIL, "resource_utilization_ratio 83%", "resource_utilization_ratio 83% is not < 70%"
    ),
}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_failing_rows_keep_value_and_threshold(
    make_app: AppFactory, tmp_path: Path, size: tuple[int, int]
) -> None:
    path = tmp_path / "values.yaml"
    path.write_text(CHECKLIST, encoding="utf-8")
    app, _ = make_app(SCRIPT, checklist=load_checklist(path))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        review = review_of(app)
        rows = {row.criterion_id: shown_text(row) for row in review.query(CriterionRow)}
        assert "30 h old, needs < 24 h" in rows["backup"], rows["backup"]
        assert "86400 s, needs ≥ 15552000 s" in rows["hsts"], rows["hsts"]
        assert "83 %, needs < 70 %" in rows["cpu"], rows["cpu"]
        # A passing row (folded away on a short screen) shows its value alone.
        views = {row.criterion_id: row.view for row in review.query(CriterionRow)}
        assert views["pitr"].value == "2 d old"
        # The titles gave way, and no internal name is in any row.
        assert "…" in rows["backup"] and "…" in rows["hsts"]
        for text in rows.values():
            assert "backup_age_hours" not in text and "resource_utilization" not in text
            assert "rows ==" not in text and " vs " not in text


TICKED = """\
title: Ticks
sections:
  - id: people
    title: People
    criteria:
      - id: stakeholders
        title: Stakeholders notified of the maintenance window
        manual: true
  - id: docs
    title: Documentation
    criteria:
      - id: runbook
        title: Runbook reviewed
        manual: true
"""


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_ticked_row_keeps_the_name_of_who_ticked(
    make_app: AppFactory, tmp_path: Path, size: tuple[int, int]
) -> None:
    """At 80x24 the row said `ticked by ro…`: "ticked" and the title give way first."""
    path = tmp_path / "ticks.yaml"
    path.write_text(TICKED, encoding="utf-8")
    app, _ = make_app(checklist=load_checklist(path))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        review = review_of(app)
        review.journal.tick("stakeholders", "robertson", review.ctx.clock())
        review.publish()
        await pilot.pause()
        (row,) = [r for r in review.query(CriterionRow) if r.criterion_id == "stakeholders"]
        text = shown_text(row)
        assert " by robertson " in text, text
        assert "Stakeholders" in text  # the title gave way, but still says which
