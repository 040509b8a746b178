"""The header: the meeting countdown and the probe progress."""

from __future__ import annotations

import pytest
from textual.widgets import Label, ProgressBar

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.ui.widgets.header import ReviewHeader, fit_header_title
from tests.ui.conftest import AppFactory, review_of, settle, shown_text
from tests.ui.fakes import FakeClock


async def test_countdown_warns_then_says_time_up(make_app: AppFactory, clock: FakeClock) -> None:
    app, _ = make_app(duration=600)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        countdown = app.screen.query_one("#header-countdown", Label)
        assert str(countdown.render()).strip() == "◷ 10:00 ▶ 03:20"
        assert not countdown.has_class("-warning") and not countdown.has_class("-over")
        # The meeting's own clock, discussing no section (see test_agenda.py for sections).
        review_of(app).journal.state.focus.clear()
        for seconds, text, warning, over in [
            (479.5, "◷ 02:01 left", False, False),
            (0.6, "◷ 02:00 left", True, False),
            (119.9, "◷ TIME UP", False, True),
            (83.0, "◷ TIME UP", False, True),
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


@pytest.mark.parametrize(
    ("size", "bar_shown", "who"),
    [
        ((120, 40), True, "Spark Trading producti… · release v1.4.0 · operator alice"),
        ((80, 24), False, "Spark Trading… · v1.4.0 · alice"),
    ],
)
async def test_header_keeps_release_and_operator_readable(
    make_app: AppFactory,
    seed_checklist: Checklist,
    size: tuple[int, int],
    bar_shown: bool,
    who: str,
) -> None:
    """While probes run: the bar only on a wide screen, the count always, and the title
    trimmed before the release and the operator."""
    app, _ = make_app(checklist=seed_checklist, hang={"team.window"})
    async with app.run_test(size=size) as pilot:
        await settle(pilot, hanging={"team.window"})
        header = app.screen.query_one(ReviewHeader)
        assert header.has_class("-running")
        assert header.query_one(ProgressBar).display is bar_shown
        assert "probes 42/43 · 1 running" in shown_text(header.query_one("#header-progress"))
        title = shown_text(header.query_one("#header-title")).strip()
        assert title == who
        assert "v1.4.0" in title and "alice" in title


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (63, "Spark Trading production deploy · release v1.4.0 · operator bob"),
        (50, "Spark Trading pro… · release v1.4.0 · operator bob"),
        (30, "Spark Trading … · v1.4.0 · bob"),
        (20, "Spar… · v1.4.0 · bob"),
        (10, "v1.… · bob"),
    ],
)
def test_fit_header_title_trims_the_checklist_title_first(width: int, expected: str) -> None:
    fitted = fit_header_title("Spark Trading production deploy", "v1.4.0", "bob", width)
    assert fitted == expected
    assert len(fitted) <= width


@pytest.mark.parametrize(
    ("release", "width", "expected"),
    [
        ("v1.2.3-rc.1+build.20261126.abcdef0123456789", 36, "v1.2.3-rc.1+buil… · alice.longname@…"),
        ("v1.2.3-rc.1+build.20261126.abcdef0123456789", 24, "v1.2.3-rc.… · alice.lon…"),
        ("v2", 24, "v2 · alice.longname@exa…"),
        (None, 12, "alice.longn…"),
    ],
)
def test_a_long_release_and_operator_share_the_header(
    release: str | None, width: int, expected: str
) -> None:
    """Neither the release nor the operator disappears (at 80 columns a long release left
    no room at all for the operator)."""
    operator = "alice.longname@example.com"
    fitted = fit_header_title("Deploy", release, operator, width)
    assert fitted == expected
    assert len(fitted) <= width
