"""The attendees' view of the poll: it opens by itself with the operator's first answer,
shows who has answered and who is being asked as the room goes on, and takes no answer."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.journal import Journal
from gonogo_tui.core.poll import Answer, PollAnswer
from gonogo_tui.ui.screens.poll import PollScreen
from gonogo_tui.ui.screens.viewer import ViewerScreen
from gonogo_tui.ui.viewer_app import ViewerApp
from tests.ui.fakes import FakeClock, FakeRunner

SMALL_YAML = Path(__file__).resolve().parents[1] / "ui" / "data" / "small.yaml"


def owners_checklist(tmp_path: Path) -> Path:
    text = SMALL_YAML.read_text()
    for title, owner in (
        ("title: CI/CD Pipeline", "{role: CI, name: Cora}"),
        ("title: Security Headers", "{role: Security, name: Sam Roy}"),
        ("title: Team Readiness", "{role: Ops, name: Olga}"),
    ):
        text = text.replace(title, f"{title}\n    owner: {owner}")
    path = tmp_path / "owners.yaml"
    path.write_text(text)
    return path


def shown(app: ViewerApp) -> str:
    screen = app.screen
    assert isinstance(screen, PollScreen)
    return "\n".join(
        str(screen.query_one(f"#poll-{part}", Static).render())
        for part in ("title", "owner", "answer", "roll")
    )


async def test_the_viewer_follows_the_poll_as_it_happens(tmp_path: Path) -> None:
    checklist = load_checklist(owners_checklist(tmp_path), environ={})
    clock = FakeClock()
    evidence = tmp_path / "evidence"
    operator = Journal.create(evidence, checklist, operator="kim", release=None, now=clock)
    app = ViewerApp(checklist, FakeRunner(clock), evidence_dir=evidence, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        viewer = app.screen
        assert isinstance(viewer, ViewerScreen)
        operator.poll_answer(PollAnswer("ci", Answer.GO, "kim", clock()))
        viewer.follow()
        await pilot.pause()
        text = shown(app)
        assert "READ-ONLY, following the room" in text
        assert "1 of 3 owners answered" in text
        assert "SECURITY?\nSam Roy" in text and "▶○ Security" in text and "✔ CI" in text
        size = operator.path.stat().st_size
        await pilot.press("g", "n", "a", "o")  # no answer key on a viewer
        await pilot.pause()
        assert operator.path.stat().st_size == size
        assert isinstance(app.screen, PollScreen)
        operator.poll_answer(PollAnswer("headers", Answer.NO_GO, "kim", clock(), "HSTS short"))
        viewer.follow()
        await pilot.pause()
        text = shown(app)
        assert "OPS?\nOlga" in text and "✘ Security" in text and "2 of 3 owners answered" in text
        # The operator goes back to CI (its poll journals the section it asks about): the
        # attendees see CI being asked, not the first owner not asked yet.
        operator.focus("ci", "kim", clock())
        viewer.follow()
        await pilot.pause()
        text = shown(app)
        assert "CI?\nCora" in text and "▶✔ CI" in text, text


def test_the_follow_check_after_the_viewer_closed_does_nothing(tmp_path: Path) -> None:
    """Its timer can fire once more while the viewer exits, when no screen is left (a
    suite run saw `ScreenStackError: No screens on stack` raised from it)."""
    checklist = load_checklist(owners_checklist(tmp_path), environ={})
    clock = FakeClock()
    app = ViewerApp(checklist, FakeRunner(clock), evidence_dir=tmp_path / "evidence", clock=clock)
    assert app.screen_stack == []
    app.follow_newer_session()  # no screen: nothing to follow, nothing raised
    assert app.screen_stack == []
