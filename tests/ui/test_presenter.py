"""Presenter mode: every tile says its status in a symbol, a word and counts, at any size."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import Static

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.ui.screens.presenter import PresenterScreen
from gonogo_tui.ui.widgets.section_tile import fit_tile
from tests.ui.conftest import AppFactory, review_of, settle, shown_text
from tests.ui.fakes import FakeClock
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


def test_a_tile_with_no_room_for_its_title_keeps_its_number() -> None:
    assert fit_tile("16. Section 16", "☐ WAITING  1/2", 20, 1, "16.").plain == (
        "16. ☐ WAITING  1/2"
    )
    # No room for the number either: the status alone, whole.
    assert fit_tile("16. Section 16", "☐ WAITING  1/2", 15, 1, "16.").plain == "☐ WAITING  1/2"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_thirty_sections_each_tile_says_which_it_is(
    make_app: AppFactory, tmp_path: Path, size: tuple[int, int]
) -> None:
    """Thirty sections: tiles too small for a title line once showed a bare status (five
    of them `☐ WAITING 1/2` in a row at 120x40), not which sections they were."""
    lines = ["title: Thirty", "sections:"]
    for number in range(1, 31):
        lines += [
            f"  - id: s{number}",
            f"    title: Section number {number}",
            f"    criteria: [{{id: s{number}.m, title: manual {number}, manual: true}}]",
        ]
    path = tmp_path / "thirty.yaml"
    path.write_text("\n".join(lines) + "\n")
    app, _ = make_app(checklist=load_checklist(path, environ={}))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        tiles = list(app.screen.query(".tile"))
        assert len(tiles) == 30
        for number, tile in enumerate(tiles, start=1):
            shown = " ".join(shown_text(tile).split())
            if tile.content_region.height and cell_len(f"{number}. ☐ WAITING 0/1") + 1 <= (
                tile.content_region.width
            ):
                assert shown.startswith(f"{number}."), shown
            assert "WAITING" in shown, shown


async def test_a_presenter_being_closed_is_not_drawn(
    make_app: AppFactory, clock: FakeClock
) -> None:
    """Popping a screen removes its widgets before it is unmounted: a snapshot published in
    between (the once-a-second tick) must not reach it, or it finds its widgets gone
    (NoMatches ended the meeting). The state Textual gives a screen it is removing is
    set by hand here: the real window is a few milliseconds long."""
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        presenter = app.screen
        assert isinstance(presenter, PresenterScreen)
        title = presenter.query_one("#presenter-title", Static)
        shown = str(title.render())
        clock.advance(60)  # the countdown moves: a different snapshot
        review_of(app).publish()
        assert str(title.render()) != shown  # followed while it is up
        shown = str(title.render())
        presenter._pruning = True
        clock.advance(60)
        review_of(app).publish()
        assert str(title.render()) == shown  # being removed: not drawn
        presenter._pruning = False
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is review_of(app)
