"""The review's footer at the widths a shared screen has."""

from __future__ import annotations

import pytest
from textual.widgets import Footer

from tests.ui.conftest import AppFactory, settle


@pytest.mark.parametrize(("size", "palette_shown"), [((80, 24), False), ((120, 40), True)])
async def test_the_palette_key_never_sits_over_the_bindings(
    make_app: AppFactory, size: tuple[int, int], palette_shown: bool
) -> None:
    """At 80 columns Textual's docked palette key covered the bindings, with a stray letter
    showing through ("^p palettel"); there it is hidden (ctrl+p still opens the palette)."""
    app, _ = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(Footer)
        palette = [key for key in footer.children if key.has_class("-command-palette")]
        assert [key.display for key in palette] == [palette_shown]
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"
