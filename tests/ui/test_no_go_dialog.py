"""The NO-GO dialog at 80x24 (fresh-eyes review, s8b): its placeholders read as examples,
not answers, and a missing answer is named and gets the cursor."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.widgets import Input, Label

import gonogo_tui.ui
from gonogo_tui.core.records.model import NoGoDetails
from gonogo_tui.ui.screens.no_go import NoGoModal

APP_CSS = Path(gonogo_tui.ui.__file__).with_name("app.tcss")


class Host(App[None]):
    """The review's stylesheet, and the dialog alone on it."""

    CSS_PATH = APP_CSS

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[NoGoDetails | None] = []

    def on_mount(self) -> None:
        self.push_screen(NoGoModal("Failed checks: 4. Rollback"), self.answers.append)


def _error(app: App[None]) -> str:
    label = app.screen.query_one(".dialog-error", Label)
    return str(label.render()) if label.display else ""


async def test_placeholders_read_as_examples_and_a_missing_answer_is_named() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        action = app.screen.query_one("#nogo-action", Input)
        reason = app.screen.query_one("#nogo-reason", Input)
        following = app.screen.query_one("#nogo-next", Input)
        assert action.placeholder.startswith("e.g. ")
        assert following.placeholder.startswith("e.g. ")
        # Dim and italic: never the look of a typed value.
        placeholder = action.get_component_rich_style("input--placeholder")
        assert placeholder.italic
        typed = following.rich_style
        assert placeholder.color is not None and typed.color is not None
        assert sum(placeholder.color.get_truecolor()) < sum(typed.color.get_truecolor())
        # Only the next review given: the action is named, and has the cursor.
        following.value = "tomorrow 10:00"
        await pilot.click("#record")
        await pilot.pause()
        assert _error(app) == "Missing: the action required."
        assert app.focused is action
        # Two missing: both named, the cursor in the first.
        reason.value = " "
        await pilot.click("#record")
        await pilot.pause()
        assert _error(app) == "Missing: the reason and the action required."
        assert app.focused is reason
        assert app.answers == []
        reason.value = "backup stale"
        action.value = "fix the backup job"
        await pilot.click("#record")
        await pilot.pause()
        assert app.answers == [NoGoDetails("backup stale", "fix the backup job", "tomorrow 10:00")]
