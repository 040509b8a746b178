"""Toasts never cover the decision bar."""

from __future__ import annotations

from textual.widgets._toast import Toast

from gonogo_tui.ui.widgets.decision_bar import DecisionBar
from tests.ui.conftest import AppFactory, settle


async def test_a_toast_sits_above_the_decision_bar(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        app.notify("a notice the room does not need to read")
        await pilot.pause(0.3)
        bar = app.screen.query_one(DecisionBar).region
        (toast,) = app.screen.query(Toast)
        assert toast.region.height > 0
        assert toast.region.bottom <= bar.y, (toast.region, bar)
