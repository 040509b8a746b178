"""Quitting says what is lost: the demo removes its evidence folder on exit."""

from __future__ import annotations

from gonogo_tui.ui.screens.modals import ConfirmModal
from tests.ui.conftest import AppFactory, settle


async def _quit_question(make_app: AppFactory, **app_kwargs: object) -> str:
    app, _ = make_app(**app_kwargs)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        text = str(app.screen.query_one(".dialog-text").render())
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
        return text


async def test_the_demo_says_its_evidence_folder_goes_on_exit(make_app: AppFactory) -> None:
    """`make demo` removed the evidence folder on exit while the quit dialog promised that
    reopening offers to resume."""
    text = await _quit_question(make_app, evidence_removed_on_exit=True)
    assert "removes its evidence folder on exit, and the journal with it" in text
    assert "--evidence-dir DIR" in text
    assert "offers to resume" not in text


async def test_a_review_promises_to_resume(make_app: AppFactory) -> None:
    text = await _quit_question(make_app)
    assert "offers to resume it" in text
    assert "removes" not in text
