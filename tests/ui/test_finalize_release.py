"""Finalize asks for the release when the checklist and the flags give none: typed once,
kept when the dialog is cancelled (and in the journal), written to the record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input, Label

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.ui.screens.finalize import FinalizeModal
from gonogo_tui.ui.screens.review import ReviewScreen
from gonogo_tui.ui.widgets.header import HeaderTitle
from tests.ui.conftest import (
    SMALL_YAML,
    AppFactory,
    finish,
    journal_entries,
    settle,
    shown_text,
    tick_all,
)


def without_release(tmp_path: Path) -> Checklist:
    path = tmp_path / "no-release.yaml"
    path.write_text(SMALL_YAML.read_text().replace("release: v2.0.0\n", ""))
    checklist = load_checklist(path, environ={})
    assert checklist.release is None
    return checklist


async def test_the_release_typed_at_finalize_reaches_the_record(
    make_app: AppFactory, evidence: Path, tmp_path: Path
) -> None:
    app, _ = make_app(checklist=without_release(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FinalizeModal)
        field = app.screen.query_one("#release-input", Input)
        assert field.value == "" and field.has_focus  # asked for first
        await pilot.press(*"v2.4.1")
        await pilot.press("escape")  # cancelled: the release is kept
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert [e["release"] for e in journal_entries(app, "release")] == ["v2.4.1"]
        await pilot.press("f")
        await pilot.pause()
        field = app.screen.query_one("#release-input", Input)
        assert field.value == "v2.4.1" and not field.has_focus  # known: g, a, n, o work at once
        await pilot.press("g")
        await finish(pilot)
        (txt,) = sorted(evidence.glob("go_decision_*.txt"))
        assert "Release: v2.4.1" in txt.read_text().splitlines()
        assert json.loads(txt.with_suffix(".json").read_text())["release"] == "v2.4.1"
        assert len(journal_entries(app, "release")) == 1  # unchanged: not journaled again


async def test_a_known_release_is_prefilled(make_app: AppFactory, evidence: Path) -> None:
    app, _ = make_app(release="v9.9.9")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("f")
        await pilot.pause()
        field = app.screen.query_one("#release-input", Input)
        assert field.value == "v9.9.9" and not field.has_focus
        await pilot.press("g")
        await finish(pilot)
        (txt,) = sorted(evidence.glob("go_decision_*.txt"))
        assert json.loads(txt.with_suffix(".json").read_text())["release"] == "v9.9.9"
        assert journal_entries(app, "release") == []


async def test_a_choice_key_pressed_at_once_is_not_typed_as_the_release(
    make_app: AppFactory, evidence: Path, tmp_path: Path
) -> None:
    """`g` right after `f`, meant as Record GO, made the release "g": it is held back with a
    line saying the release comes first; typed, the release takes any letter."""
    app, _ = make_app(checklist=without_release(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("f")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, FinalizeModal)
        field = modal.query_one("#release-input", Input)
        await pilot.press("g")
        await pilot.pause()
        assert app.screen is modal and field.value == "" and field.has_focus
        hint = modal.query_one(".dialog-error", Label)
        assert hint.display and "Release first" in str(hint.render())
        assert hint.region.bottom <= 24 and hint.region.width <= 72  # seen whole at 80x24
        await pilot.press(*"v2.4.0-gano")  # letters after the first are typed
        assert field.value == "v2.4.0-gano" and not hint.display
        await pilot.press("enter", "g")
        await finish(pilot)
        (txt,) = sorted(evidence.glob("go_decision_*.txt"))
        assert "Release: v2.4.0-gano" in txt.read_text().splitlines()


async def test_the_same_choice_key_twice_types_it(make_app: AppFactory, tmp_path: Path) -> None:
    """A release may start with g, a, n or o: the held key pressed again is typed."""
    app, _ = make_app(checklist=without_release(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("n", "n", *"ightly")
        await pilot.pause()
        assert isinstance(app.screen, FinalizeModal)
        assert app.screen.query_one("#release-input", Input).value == "nightly"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_header_names_the_release_typed_at_finalize(
    make_app: AppFactory, evidence: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    app, _ = make_app(checklist=without_release(tmp_path))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        title = app.screen.query_one("#header-title", HeaderTitle)
        assert "v2.4.0" not in shown_text(title)
        tick_all(app)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press(*"v2.4.0", "enter", "g")
        await finish(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await pilot.pause()
        assert "v2.4.0" in shown_text(review.query_one("#header-title", HeaderTitle))
