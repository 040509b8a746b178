"""The header: the meeting countdown and the probe progress."""

from __future__ import annotations

from textual.widgets import Label, ProgressBar

from gonogo_tui.ui.widgets.header import ReviewHeader
from tests.ui.conftest import AppFactory, review_of, settle
from tests.ui.fakes import FakeClock


async def test_countdown_warns_then_counts_overtime(make_app: AppFactory, clock: FakeClock) -> None:
    app, _ = make_app(duration=600)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        countdown = app.screen.query_one("#header-countdown", Label)
        assert str(countdown.render()).strip() == "◷ 10:00 left"
        assert not countdown.has_class("-warning") and not countdown.has_class("-over")
        for seconds, text, warning, over in [
            (479.5, "◷ 02:01 left", False, False),
            (0.6, "◷ 02:00 left", True, False),
            (119.9, "◷ TIME UP 00:00", False, True),
            (83.0, "◷ TIME UP +01:23", False, True),
        ]:
            clock.advance(seconds)
            review_of(app).publish()
            await pilot.pause()
            assert str(countdown.render()).strip() == text
            assert countdown.has_class("-warning") is warning
            assert countdown.has_class("-over") is over


async def test_progress_bar_shows_while_probes_run(make_app: AppFactory) -> None:
    app, runner = make_app(hang={"headers.csp"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, hanging={"headers.csp"})
        header = app.screen.query_one(ReviewHeader)
        progress = str(header.query_one("#header-progress", Label).render())
        assert "probes 4/5 · 1 running" in progress
        bar = header.query_one(ProgressBar)
        assert header.has_class("-running") and bar.display
        assert (bar.progress, bar.total) == (4, 5)
        runner.release("headers.csp")
        await settle(pilot)
        assert "probes 5/5" in str(header.query_one("#header-progress", Label).render())
        assert not header.has_class("-running")
