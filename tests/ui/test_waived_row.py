"""A waived row too narrow for its full text keeps who granted the waiver and how far into
its run it is (`alice (cto) · 2/3`); the full text stays in the detail pane."""

from __future__ import annotations

import pytest

from gonogo_tui.ui.widgets.criterion_row import CriterionRow
from tests.ui.conftest import AppFactory, review_of, settle, shown_text
from tests.ui.fakes import FAIL, FakeClock
from tests.ui.test_waiver_dialog import CID, _meeting


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_carried_waivers_row_names_who_and_how_far(
    make_app: AppFactory, clock: FakeClock, size: tuple[int, int]
) -> None:
    await _meeting(make_app, clock, "v1", "3 releases")  # alice (cto) waives for 3 releases
    app, _ = make_app({CID: FAIL}, release="v2")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        review = review_of(app)
        review.selected = CID
        await settle(pilot)
        row = next(r for r in review.query(CriterionRow) if r.criterion_id == CID)
        # The whole text stays the row's value, which the detail pane shows.
        assert row.view.value.startswith("waived (carried from v1, 2 of 3 releases) by alice")
        shown = shown_text(row)
        assert "alice" in shown and "2/3" in shown, shown
        if size[0] >= 120:
            assert "alice (cto) · 2/3" in shown, shown
