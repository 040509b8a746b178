"""The agenda on screen: the section being discussed is highlighted with its own time left,
the header and presenter mode show it, each says TIME UP at zero, and resume keeps it."""

from __future__ import annotations

from textual.widgets import Label, Static

from gonogo_tui.ui.screens.presenter import PresenterScreen
from gonogo_tui.ui.widgets.section_panel import SectionPanel
from gonogo_tui.ui.widgets.section_tile import SectionTile
from tests.ui.conftest import AppFactory, journal_entries, review_of, settle, shown_text
from tests.ui.fakes import FakeClock


def headers(app) -> dict[str, tuple[bool, str]]:  # type: ignore[no-untyped-def]
    """Each section's header: whether it is the focused one, and its text."""
    return {
        panel.section.id: (panel.header.focused, shown_text(panel.header).strip())
        for panel in app.screen.query(SectionPanel)
    }


def countdown(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#header-countdown", Label).render()).strip()


async def test_the_focused_section_is_highlighted_with_its_time_left(
    make_app: AppFactory, clock: FakeClock
) -> None:
    app, _ = make_app(duration=600)  # three sections: 200 s each
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = headers(app)
        assert shown["ci"][0] and "▶ 03:20 left" in shown["ci"][1]
        assert not shown["headers"][0] and "▶" not in shown["headers"][1]
        assert countdown(app) == "◷ 10:00 ▶ 03:20"
        clock.advance(50)
        review_of(app).publish()
        await pilot.pause()
        assert "▶ 02:30 left" in headers(app)["ci"][1]
        await pilot.press("tab")  # the next section is discussed: its own clock runs
        await pilot.pause()
        clock.advance(20)
        review_of(app).publish()
        await pilot.pause()
        shown = headers(app)
        assert not shown["ci"][0] and "▶" not in shown["ci"][1]
        assert shown["headers"][0] and "▶ 03:00 left" in shown["headers"][1]
        assert countdown(app) == "◷ 08:50 ▶ 03:00"
        assert [e["section_id"] for e in journal_entries(app, "focus")] == ["ci", "headers"]
        await pilot.press("j")  # within the section: nothing new to journal
        await pilot.pause()
        assert len(journal_entries(app, "focus")) == 2


async def test_at_zero_the_header_says_time_up(make_app: AppFactory, clock: FakeClock) -> None:
    app, _ = make_app(duration=600)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        label = app.screen.query_one("#header-countdown", Label)
        clock.advance(200)
        review_of(app).publish()
        await pilot.pause()
        assert countdown(app) == "◷ 06:40 ▶ TIME UP"
        assert label.has_class("-over")
        header = app.screen.query(SectionPanel).first().header
        assert "▶ TIME UP" in shown_text(header) and header.has_class("-time-up")
        clock.advance(404)
        review_of(app).publish()
        await pilot.pause()
        assert countdown(app) == "◷ TIME UP ▶ TIME UP"
        assert "+" not in countdown(app)


async def test_presenter_mode_shows_the_section_being_discussed(
    make_app: AppFactory, clock: FakeClock
) -> None:
    app, _ = make_app(duration=600)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("tab")
        clock.advance(30)
        review_of(app).publish()  # the once-a-second tick, which the fake clock does not drive
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PresenterScreen)
        title = str(app.screen.query_one("#presenter-title", Static).render())
        assert "◷ 09:30 left · now 2. Security Headers: 02:50 left" in title
        tiles = list(app.screen.query(SectionTile))
        assert [tile.has_class("-focused") for tile in tiles] == [False, True, False]
        clock.advance(200)
        review_of(app).publish()
        await pilot.pause()
        title = str(app.screen.query_one("#presenter-title", Static).render())
        assert "now 2. Security Headers: TIME UP" in title


async def test_resume_keeps_each_sections_time_and_the_section_discussed(
    make_app: AppFactory, clock: FakeClock
) -> None:
    first, _ = make_app(duration=600)
    async with first.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        clock.advance(50)
        await pilot.press("tab")
        clock.advance(30)
    # No quit: the app is simply gone, as after a crash; reopened a minute later.
    clock.advance(60)
    second, _ = make_app(duration=600, resume=True)
    async with second.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = review_of(second)
        assert review.ctx.checklist.section_of(review.selected or "").id == "headers"
        agenda = review.snapshot.agenda
        assert agenda.focused == "headers"
        assert agenda.of("ci").spent == 50
        assert agenda.of("headers").spent == 90  # the minute it was down counts, as for the meeting
        assert countdown(second) == "◷ 07:40 ▶ 01:50"
        assert "▶ 01:50 left" in headers(second)["headers"][1]
