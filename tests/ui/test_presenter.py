"""Presenter mode: every tile says its status in a symbol, a word and counts, at any size."""

from __future__ import annotations

import pytest

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.ui.screens.presenter import PresenterScreen
from gonogo_tui.ui.widgets.section_tile import fit_tile
from tests.ui.conftest import AppFactory, settle, shown_text
from tests.ui.test_snapshots import MIXED

TILE_STATUS = [
    ("1. Artifacts", "☐ WAITING", "4/5"),
    ("2. CI/CD", "✘ NO-GO", "4/5"),
    ("3. Test", "✔ GO", "5/5"),
    ("4. Rollback", "☐ WAITING", "3/5"),
    ("5. Security", "✘ NO-GO", "4/5"),
    ("6. Feature", "✔ GO", "5/5"),
    ("7. Database", "✘ NO-GO", "4/5"),
    ("8.", "☐ WAITING", "4/5"),
    ("9. Baseline", "✘ NO-GO", "4/5"),
    ("10. Team", "… RUNNING", "1/5"),
]
"""What each tile of the MIXED meeting (team.window still running) must show."""


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (80, 40), (60, 24)])
async def test_every_tile_shows_its_status_and_counts(
    make_app: AppFactory, seed_checklist: Checklist, size: tuple[int, int]
) -> None:
    app, _ = make_app(MIXED, checklist=seed_checklist, hang={"team.window"})
    async with app.run_test(size=size) as pilot:
        await settle(pilot, hanging={"team.window"})
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PresenterScreen)
        tiles = list(app.screen.query(".tile"))
        assert len(tiles) == len(TILE_STATUS)
        for tile, (number, label, counts) in zip(tiles, TILE_STATUS, strict=True):
            shown = shown_text(tile)
            flat = " ".join(shown.split())
            assert flat.startswith(number), shown
            assert label in flat and counts in flat, shown


def test_a_tile_too_small_cuts_its_title_never_its_status() -> None:
    fitted = fit_tile("8. Monitoring & Alerts", "☐ WAITING  4/5", 14, 2).plain
    assert fitted == "8. Monitoring…\n☐ WAITING  4/5"
    assert fit_tile("1. Artifacts", "✔ GO  5/5", 14, 3).plain == "1. Artifacts\n✔ GO  5/5"
    assert fit_tile("3. Test Coverage", "✔ GO  5/5", 14, 1).plain == "✔ GO  5/5"
