"""SVG snapshots of the review's states: frozen clock, scripted results, no blinking.

Update with `pytest tests/ui/test_snapshots.py --snapshot-update` only after reading the
HTML report (snapshot_report.html) and the SVGs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.ui.app import GonogoApp
from tests.ui.conftest import AppFactory, review_of, settle, tick_all
from tests.ui.fakes import ERROR, FAIL, Scripted

SnapCompare = Callable[..., bool]
WIDE = (120, 40)

MIXED = {
    "ci.contract": FAIL,
    "headers.hsts": ERROR,
    "db.pool": Scripted(value="91%", detail="pool 91% used (max 80%)", status=FAIL.status),
    "base.p95": Scripted(value="212 ms", detail="p95 212 ms > 200 ms", status=FAIL.status),
}
"""A NO-GO meeting: failures, an error, manual ticks still missing."""
HANGING = {"coverage.chaos", "db.wal", "db.long", "mon.rules", "base.cpu", "team.window"}


@pytest.fixture
def seed_app(make_app: AppFactory, seed_checklist: Checklist) -> Callable[..., GonogoApp]:
    def make(script: dict[str, Scripted] | None = None, **kwargs: Any) -> GonogoApp:
        app, _ = make_app(script, checklist=seed_checklist, **kwargs)
        return app

    return make


def prepared(
    *, ticks: bool = False, hanging: set[str] | None = None, select: str | None = None
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """A `run_before` that waits for the probes, ticks the manual criteria, selects a row."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, hanging=hanging or ())
        app = pilot.app
        assert isinstance(app, GonogoApp)
        if ticks:
            tick_all(app)
        if select is not None:
            review_of(app).selected = select
        await pilot.pause()

    return run_before


def test_probes_running(snap_compare: SnapCompare, seed_app: Callable[..., GonogoApp]) -> None:
    """Six probes still running: RUNNING rows and panels, the progress bar in the header."""
    app = seed_app(MIXED, hang=HANGING)
    assert snap_compare(app, terminal_size=WIDE, run_before=prepared(hanging=HANGING))


def test_waiting(snap_compare: SnapCompare, seed_app: Callable[..., GonogoApp]) -> None:
    """Nothing failed, ticks outstanding and probes running: WAITING, not NO-GO (issue 14)."""
    app = seed_app(hang=HANGING)
    assert snap_compare(app, terminal_size=WIDE, run_before=prepared(hanging=HANGING))


def test_presenter_waiting(snap_compare: SnapCompare, seed_app: Callable[..., GonogoApp]) -> None:
    """Presenter mode while the room waits: WAITING in block letters, what it waits for."""
    app = seed_app(hang={"team.window"})
    assert snap_compare(
        app, terminal_size=WIDE, press=["p"], run_before=prepared(hanging={"team.window"})
    )


def test_mixed_no_go(snap_compare: SnapCompare, seed_app: Callable[..., GonogoApp]) -> None:
    """Failures, an error and missing ticks: NO-GO, the failing row selected."""
    app = seed_app(MIXED)
    assert snap_compare(app, terminal_size=WIDE, run_before=prepared(select="ci.contract"))


def test_review(snap_compare: SnapCompare, seed_app: Callable[..., GonogoApp]) -> None:
    """Nine sections GO: REVIEW, CTO approval required."""
    app = seed_app({"ci.contract": FAIL})
    assert snap_compare(app, terminal_size=WIDE, run_before=prepared(ticks=True))


def test_go(snap_compare: SnapCompare, seed_app: Callable[..., GonogoApp]) -> None:
    """Everything PASS and ticked: GO."""
    app = seed_app()
    assert snap_compare(app, terminal_size=WIDE, run_before=prepared(ticks=True))


def test_waiver_modal(snap_compare: SnapCompare, seed_app: Callable[..., GonogoApp]) -> None:
    """Waiving the failing CI criterion: the reason is being typed."""
    app = seed_app(MIXED)
    assert snap_compare(
        app,
        terminal_size=WIDE,
        press=["w", *"flaky"],
        run_before=prepared(select="ci.contract"),
    )


def test_finalize_review(snap_compare: SnapCompare, seed_app: Callable[..., GonogoApp]) -> None:
    """Finalize on REVIEW: the decision, its reasons and the choices it allows."""
    app = seed_app({"ci.contract": FAIL})
    assert snap_compare(app, terminal_size=WIDE, press=["f"], run_before=prepared(ticks=True))


def test_override_modal(snap_compare: SnapCompare, seed_app: Callable[..., GonogoApp]) -> None:
    """The emergency override dialog, half filled in."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await prepared()(pilot)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        pilot.app.screen.query_one("#override-cto", Input).value = "Carol Chen"
        pilot.app.screen.query_one("#override-senior-1", Input).value = "Dan Diaz"
        await pilot.pause()

    app = seed_app(MIXED)
    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


def test_presenter(snap_compare: SnapCompare, seed_app: Callable[..., GonogoApp]) -> None:
    """Presenter mode on a NO-GO with one probe still running."""
    app = seed_app(MIXED, hang={"team.window"})
    assert snap_compare(
        app, terminal_size=WIDE, press=["p"], run_before=prepared(hanging={"team.window"})
    )


def test_presenter_80x24(snap_compare: SnapCompare, seed_app: Callable[..., GonogoApp]) -> None:
    """Presenter mode at 80x24: five tiles abreast without borders, every status in view."""
    app = seed_app(MIXED, hang={"team.window"})
    assert snap_compare(
        app, terminal_size=(80, 24), press=["p"], run_before=prepared(hanging={"team.window"})
    )


def test_layout_80x24(snap_compare: SnapCompare, seed_app: Callable[..., GonogoApp]) -> None:
    """80x24: two columns, passing rows folded away, all ten sections in view."""
    app = seed_app(MIXED)
    assert snap_compare(app, terminal_size=(80, 24), run_before=prepared(select="ci.contract"))


def test_walkthrough(snap_compare: SnapCompare, seed_app: Callable[..., GonogoApp]) -> None:
    """The walkthrough on section 2 of 10."""
    app = seed_app(MIXED, walkthrough=True)
    assert snap_compare(app, terminal_size=WIDE, press=["enter"], run_before=prepared())
