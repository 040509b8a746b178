"""The shared screen: WAITING while nothing has failed, and what blocks GO, failures first."""

from __future__ import annotations

from textual.widgets import Static

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.ui.screens.finalize import FinalizeModal
from gonogo_tui.ui.screens.presenter import PresenterScreen
from gonogo_tui.ui.widgets.big_text import BigText
from gonogo_tui.ui.widgets.decision_bar import DecisionBar
from tests.ui.conftest import AppFactory, review_of, settle, shown_text, tick_all
from tests.ui.fakes import ERROR, FAIL
from tests.ui.test_snapshots import MIXED


def bar_lines(app: object) -> tuple[str, str]:
    """What the decision bar shows: its verdict box and its two lines of reasons."""
    from textual.app import App

    assert isinstance(app, App)
    bar = app.screen.query_one(DecisionBar)
    return shown_text(bar.query_one("#verdict")), shown_text(bar.query_one("#decision-info"))


async def test_nothing_failed_shows_waiting_then_go(make_app: AppFactory) -> None:
    app, runner = make_app(hang={"team.window"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, hanging={"team.window"})
        verdict, info = bar_lines(app)
        assert verdict.splitlines()[0].strip() == "○ WAITING"
        first, second = info.splitlines()
        assert first.strip().startswith("WAITING · 1 tick, 1 probe running · 2/3 sections GO")
        assert second.strip() == "Blocks GO: 1 tick · 1 probe running"
        assert "NO-GO" not in verdict + info
        assert app.screen.query_one("#verdict").has_class("-waiting")
        runner.release("team.window")
        await settle(pilot)
        assert bar_lines(app)[1].splitlines()[0].strip().startswith("WAITING · 1 tick ·")
        tick_all(app)
        await pilot.pause()
        verdict, info = bar_lines(app)
        assert verdict.splitlines()[0].strip() == "✔ GO"
        assert "Nothing blocks GO" in info


async def test_a_failure_is_no_go_and_named_first(make_app: AppFactory) -> None:
    app, _ = make_app({"ci.contract": ERROR, "headers.hsts": FAIL})
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        verdict, info = bar_lines(app)
        assert verdict.splitlines()[0].strip() == "✘ NO-GO"
        second = info.splitlines()[1].strip()
        assert second == (
            "Blocks GO: HSTS max-age >= 15552000 HTTP 503, needs HTTP 200"
            " · contract-chaos-tests.yml SUCCESS cannot measure · 1 tick"
        )


async def test_the_bar_names_as_many_blockers_as_fit(make_app: AppFactory) -> None:
    app, _ = make_app({"ci.contract": ERROR, "headers.hsts": FAIL})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        second = bar_lines(app)[1].splitlines()[1].rstrip()
        assert second.endswith("· +2 more"), second
        assert second.startswith("Blocks GO: HSTS max-age… HTTP 503, needs HTTP 200"), second


async def test_finalize_lists_failures_first_by_title(make_app: AppFactory) -> None:
    app, _ = make_app({"ci.contract": ERROR, "headers.hsts": FAIL})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, FinalizeModal)
        reasons = str(modal.query_one("#finalize-reasons Static").render()).splitlines()
        assert [line.strip() for line in reasons] == [
            "Missing for GO (3), failures first:",
            "✘ FAIL   HSTS max-age >= 15552000: HTTP 503, needs HTTP 200",
            "! ERROR  contract-chaos-tests.yml SUCCESS: cannot measure: "
            "Connection refused: 127.0.0.1:9",
            "☐ TICK   On-call engineer identified: waiting for a tick",
            "Sections not GO (3): 1. CI/CD Pipeline · 2. Security Headers · 3. Team Readiness",
        ]
        # Finalize decides: the policy's NO-GO, not a provisional WAITING.
        assert "NO-GO by the policy" in str(modal.query_one("#finalize-verdict").render())


async def test_finalize_while_waiting_says_no_go_by_the_policy(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert bar_lines(app)[0].splitlines()[0].strip() == "○ WAITING"
        await pilot.press("f")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, FinalizeModal)
        assert "REVIEW by the policy" in str(modal.query_one("#finalize-verdict").render())
        reasons = str(modal.query_one("#finalize-reasons Static").render())
        assert "☐ TICK   On-call engineer identified: waiting for a tick" in reasons


async def test_presenter_shows_waiting_and_the_blockers_large(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PresenterScreen)
        assert screen.query_one("#presenter-verdict", BigText).has_class("-waiting")
        assert "█" in shown_text(screen.query_one("#presenter-verdict"))
        summary = shown_text(screen.query_one("#presenter-summary", Static)).strip()
        assert summary.startswith("○ WAITING for 1 tick · 2/3 sections GO")
        assert "NO-GO" not in summary
        assert not screen.query_one("#presenter-blockers").display, "the summary says it"


async def test_presenter_names_the_failure(make_app: AppFactory) -> None:
    app, _ = make_app({"headers.hsts": FAIL})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PresenterScreen)
        assert screen.query_one("#presenter-verdict", BigText).has_class("-no-go")
        blockers = [
            line.strip()
            for line in shown_text(screen.query_one("#presenter-blockers")).splitlines()
        ]
        assert blockers == [
            "Blocks GO: ✘ HSTS max-age >= 15552000 HTTP 503, needs HTTP 200 · ☐ 1 tick"
        ]
        assert review_of(app).session is not None


async def test_presenter_names_failures_first_in_two_lines(
    make_app: AppFactory, seed_checklist: Checklist
) -> None:
    app, _ = make_app(MIXED, checklist=seed_checklist)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        lines = [
            line.strip()
            for line in shown_text(app.screen.query_one("#presenter-blockers")).splitlines()
        ]
        assert lines == [
            "Blocks GO: ✘ contract-chaos-tests.yml SUCCESS: HTTP 503, needs HTTP 200",
            "+3 more failing or not measured · ☐ 7 ticks",
        ]
