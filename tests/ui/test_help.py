"""The help screen at 80x24: the poll's keys and what the rows' symbols mean, scrollable."""

from __future__ import annotations

import io
import re

from rich.console import Console
from textual.containers import VerticalScroll
from textual.widgets import Static

from gonogo_tui.ui.screens.help import HelpScreen
from tests.ui.conftest import AppFactory, settle


async def test_help_lists_the_poll_keys_and_the_row_symbols_at_80x24(
    make_app: AppFactory,
) -> None:
    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        dialog = app.screen.query_one("#help")
        assert dialog.region.y >= 0 and dialog.region.bottom <= 24  # fits; its keys scroll
        keys = app.screen.query_one("#help-keys", VerticalScroll)
        assert keys.max_scroll_y > 0
        console = Console(record=True, width=76, file=io.StringIO())
        for static in app.screen.query("#help-keys Static").results(Static):
            console.print(static.content)
        text = console.export_text()
        poll = text[text.index("Poll (v in the review)") :]
        for key, action in [
            ("g", "GO"),
            ("n", "NO-GO"),
            ("x", "Abstain"),
            ("a", "Absent"),
            ("G", "GO\\+reason"),
            ("X", "Abstain\\+reason"),
            ("o", "Overrule"),
            ("esc / v", "Back"),
        ]:
            assert re.search(rf"^ *{key} +{action}\b", poll, re.M), (key, poll)
        assert re.search(r"^ *v +Poll\b", text, re.M)  # the review's key that opens it
        symbols = text[text.index("Row symbols") :]
        for symbol, meaning in [
            ("◆", "critical"),
            ("◇", "advisory"),
            ("≈", "WAIVED"),
            ("▲ ▼", "since the last GO"),
            ("✘ after a value", "since the last GO"),
        ]:
            assert re.search(rf"^ *{symbol} +{meaning}", symbols, re.M), (symbol, symbols)
        keys.scroll_end(animate=False)
        await pilot.pause()
        assert keys.scroll_y == keys.max_scroll_y
