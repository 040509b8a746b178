"""Toasts never cover the decision bar, nor a dialog's text."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets._toast import Toast

from gonogo_tui.ui.screens.help import HelpScreen
from gonogo_tui.ui.screens.waiver_dialog import WaiverModal
from gonogo_tui.ui.widgets.decision_bar import DecisionBar
from tests.ui.conftest import AppFactory, review_of, settle
from tests.ui.fakes import FAIL


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


async def _no_toast_over_the_dialogs_text(pilot: Pilot[None], dialog: Widget) -> None:
    await pilot.pause(0.3)
    toasts = list(dialog.screen.query(Toast))
    assert toasts
    for toast in toasts:
        assert toast.region.height > 0
        assert not toast.region.overlaps(dialog.content_region), (
            toast.region,
            dialog.content_region,
        )


async def test_toasts_over_a_dialog_never_cover_its_text_at_80x24(make_app: AppFactory) -> None:
    app, _ = make_app({"ci.contract": FAIL})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("c", "c", "question_mark")  # the filter's notice, then help
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.pause(0.3)
        assert not app.screen.query(Toast)  # the filter's notices are gone with the review
        for text in ("a notice raised while the help is open", "long enough to wrap " * 4):
            app.notify(text)
        await _no_toast_over_the_dialogs_text(pilot, app.screen.query_one("#help"))
        await pilot.press("escape")
        review_of(app).selected = "ci.contract"
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WaiverModal)
        app.notify("a notice raised while the waiver dialog is open")
        await _no_toast_over_the_dialogs_text(pilot, app.screen.query_one(".dialog"))
