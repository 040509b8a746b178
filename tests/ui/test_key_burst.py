"""Keys sent in one burst with the key that answers a dialog never reach a screen that is
going away (issue 14: `q` `y` `n` typed quickly crashed `gonogo demo` with a NoMatches
traceback from a note dialog opened on an exiting app)."""

from __future__ import annotations

from textual import events

from gonogo_tui.ui.screens.modals import ConfirmModal, NoteModal
from tests.ui.conftest import AppFactory, settle


async def test_keys_after_a_confirmed_quit_are_dropped(make_app: AppFactory) -> None:
    app, _ = make_app(hang=["ci.contract"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, hanging=["ci.contract"])
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmModal)
        # `y` confirms; `n` (the review's note key) arrives while the probes are stopped.
        for key in ("y", "n", "n"):
            app.post_message(events.Key(key, key))
        await pilot.pause()
        await pilot.pause()
        assert not any(isinstance(screen, NoteModal) for screen in app.screen_stack)
    assert app.return_code == 0
