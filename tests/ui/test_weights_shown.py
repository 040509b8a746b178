"""Critical and advisory criteria (issue 17, points 1 and 2) where the room looks: the
presenter's summary and blockers, and the walkthrough's cards, say "critical"."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.ui.screens.presenter import PresenterScreen
from tests.ui.conftest import AppFactory, settle, shown_text
from tests.ui.test_row_values import CHECKLIST, SCRIPT


async def test_the_presenter_names_the_critical_failure(
    make_app: AppFactory, tmp_path: Path
) -> None:
    path = tmp_path / "values.yaml"
    path.write_text(CHECKLIST, encoding="utf-8")
    app, _ = make_app(SCRIPT, checklist=load_checklist(path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PresenterScreen)
        summary = shown_text(screen.query_one("#presenter-summary", Static)).strip()
        assert summary.startswith("✘ NO-GO · 0/2 sections GO · critical: Database backup")
        assert "blocks the deployment" not in summary
        blockers = [
            line.strip()
            for line in shown_text(screen.query_one("#presenter-blockers")).splitlines()
        ]
        assert blockers[0].startswith("Blocks GO: ✘ critical: Database backup taken"), blockers
        # Only the critical one says so: the HSTS failure is one of the count.
        assert all("critical: HSTS" not in line for line in blockers)


async def test_the_walkthroughs_compact_and_folded_cards_say_critical_and_advisory(
    make_app: AppFactory, tmp_path: Path
) -> None:
    from tests.ui.fakes import ERROR, FAIL
    from tests.ui.test_walkthrough import ATTENTION_YAML, card_texts

    text = ATTENTION_YAML.replace(
        "{id: bad, title: Failing one,", "{id: bad, title: Failing one, critical: true,"
    ).replace("{id: p2, title: Passing two,", "{id: p2, title: Passing two, advisory: true,")
    path = tmp_path / "attention.yaml"
    path.write_text(text)
    app, _ = make_app(
        {"bad": FAIL, "err": ERROR, "r1": FAIL},
        checklist=load_checklist(path, environ={}),
        walkthrough=True,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down")  # the error in full, the failing critical one compact
        cards = dict(card_texts(app))
        assert cards["bad"].startswith("✘ FAIL  ◆ critical  Failing one\n"), cards["bad"]
        assert "◇ advisory  Passing two" in cards["p2"], cards["p2"]  # folded: it passed


async def test_the_section_header_and_tile_say_a_critical_or_advisory_one_failed(
    make_app: AppFactory, tmp_path: Path
) -> None:
    from gonogo_tui.ui.widgets.section_panel import SectionPanel
    from gonogo_tui.ui.widgets.section_tile import SectionTile

    path = tmp_path / "values.yaml"
    # The HSTS check becomes advisory: its section (one other failing) still says why 0/2.
    path.write_text(
        CHECKLIST.replace("      - id: hsts\n", "      - id: hsts\n        advisory: true\n"),
        encoding="utf-8",
    )
    app, _ = make_app(SCRIPT, checklist=load_checklist(path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        headers = [shown_text(panel.header).strip() for panel in app.screen.query(SectionPanel)]
        assert headers[0].endswith("NO-GO 1/2 · critical ✘"), headers[0]
        assert headers[1].endswith("NO-GO 0/2 · 1 advisory ✘"), headers[1]
        await pilot.press("p")
        await pilot.pause()
        tiles = [shown_text(tile) for tile in app.screen.query(SectionTile)]
        assert "1/2 · critical ✘" in " ".join(tiles[0].split()), repr(tiles[0])


async def test_a_narrow_header_shortens_the_weight_to_its_mark_before_the_title(
    make_app: AppFactory, tmp_path: Path
) -> None:
    """At 80x24 two headers share a line: `critical ✘` becomes `◆✘` so that the title
    keeps a few letters and the mark is never cut off the end."""
    from gonogo_tui.ui.widgets.section_panel import SectionPanel

    path = tmp_path / "values.yaml"
    path.write_text(CHECKLIST.replace("title: Rollback Readiness", "title: Data safety"), "utf-8")
    app, _ = make_app(SCRIPT, checklist=load_checklist(path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        header = shown_text(next(iter(app.screen.query(SectionPanel))).header).rstrip()
        assert header.endswith("✘ NO-GO 1/2 · ◆✘"), header
        assert header.lstrip().startswith("1 Data s"), header
