"""The attendees' view (`gonogo view`) in-process: it waits for the operator's session,
follows its journal, and no key or call of its own can change the meeting."""

from __future__ import annotations

from pathlib import Path

import pytest

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.journal import READ_ONLY, FollowedJournal, Journal, find_session_journal
from gonogo_tui.core.probes.base import Status
from gonogo_tui.ui.screens.review import ReviewScreen
from gonogo_tui.ui.screens.viewer import OPERATOR_ACTIONS, ViewerScreen, WaitingScreen
from gonogo_tui.ui.viewer_app import ViewerApp
from tests.ui.fakes import FakeClock, FakeRunner

SMALL_YAML = Path(__file__).resolve().parents[1] / "ui" / "data" / "small.yaml"
MANUAL = "team.oncall"


@pytest.fixture
def checklist() -> Checklist:
    return load_checklist(SMALL_YAML, environ={})


def operator_session(evidence: Path, checklist: Checklist, clock: FakeClock) -> Journal:
    return Journal.create(evidence, checklist, operator="kim", release="v2.0.0", now=clock)


def test_followed_journal_refuses_every_append(tmp_path: Path, checklist: Checklist) -> None:
    clock = FakeClock()
    operator = operator_session(tmp_path, checklist, clock)
    followed = FollowedJournal(operator.path)
    size = operator.path.stat().st_size
    with pytest.raises(EvidenceError, match=READ_ONLY):
        followed.tick(MANUAL, "mallory", clock())
    with pytest.raises(EvidenceError, match=READ_ONLY):
        followed.note("hello", "mallory", clock())
    assert operator.path.stat().st_size == size
    assert not followed.poll()
    operator.tick(MANUAL, "kim", clock(), "confirmed on the call")
    assert followed.poll()
    assert followed.state.ticks[MANUAL].operator == "kim"
    assert find_session_journal(tmp_path, checklist) == operator.path


async def test_viewer_waits_for_the_session_then_follows_it(
    tmp_path: Path, checklist: Checklist
) -> None:
    clock = FakeClock()
    runner = FakeRunner(clock)
    app = ViewerApp(checklist, runner, evidence_dir=tmp_path, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, WaitingScreen)
        assert not app.look_for_session()
        operator = operator_session(tmp_path, checklist, clock)
        assert app.look_for_session()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ViewerScreen)
        assert screen.snapshot.evaluation.outcome(MANUAL).status is Status.PENDING
        operator.tick(MANUAL, "kim", clock())
        screen.follow()
        await pilot.pause()
        assert screen.snapshot.evaluation.outcome(MANUAL).status is Status.PASS
    assert runner.calls == []


async def test_viewer_moves_to_the_session_the_operator_started_afresh(
    tmp_path: Path, checklist: Checklist
) -> None:
    clock = FakeClock()
    old = operator_session(tmp_path, checklist, clock)
    old.close()  # the operator quit unfinished, and reopens the review...
    app = ViewerApp(checklist, FakeRunner(clock), evidence_dir=tmp_path, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        first = app.screen
        assert isinstance(first, ViewerScreen) and first.followed.path == old.path
        app.follow_newer_session()
        assert app.screen is first  # nothing newer yet
        fresh = Journal.create(tmp_path, checklist, operator="lee", release=None, now=clock)
        fresh.tick(MANUAL, "lee", clock())  # ...and starts afresh instead of resuming
        app.follow_newer_session()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ViewerScreen) and screen.followed.path == fresh.path
        assert screen.snapshot.evaluation.outcome(MANUAL).status is Status.PASS
        assert "lee runs this review" in str(screen.query_one("#viewer-banner").render())
        newest = Journal.create(tmp_path, checklist, operator="kim", release=None, now=clock)
        newest.tick(MANUAL, "kim", clock())
        app.follow_newer_session()
        await pilot.pause()
        assert app.screen is screen  # lee's review still runs: its viewers stay with it
        fresh.close()
        newest.close()


async def test_viewer_keys_cannot_change_the_meeting(tmp_path: Path, checklist: Checklist) -> None:
    clock = FakeClock()
    runner = FakeRunner(clock)
    operator = operator_session(tmp_path, checklist, clock)
    lines = operator.path.read_bytes()
    app = ViewerApp(checklist, runner, evidence_dir=tmp_path, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, ViewerScreen)
        screen.selected = MANUAL
        for key in ("space", "w", "n", "f", "r", "R", "s", "g"):
            await pilot.press(key)
        await pilot.pause()
        assert app.screen is screen  # no dialog opened
        screen.request_tick(MANUAL)  # a widget's way in: refused as well
        screen.request_waiver(MANUAL)
        await pilot.pause()
        for action in OPERATOR_ACTIONS:
            assert hasattr(ReviewScreen, f"action_{action}"), action  # still the review's names
            assert screen.check_action(action, ()) is False
    assert operator.path.read_bytes() == lines
    assert runner.calls == []
