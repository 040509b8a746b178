"""The walkthrough: section by section, ticks as you go, the summary file, into the meeting."""

from __future__ import annotations

from pathlib import Path

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.ui.screens.modals import ConfirmModal, ResumeModal, TickNoteModal
from gonogo_tui.ui.screens.review import ReviewScreen
from gonogo_tui.ui.screens.walkthrough import WalkthroughCard, WalkthroughScreen
from tests.ui.conftest import AppFactory, journal_entries, review_of, settle, tick_all
from tests.ui.fakes import ERROR, FAIL, FakeClock


def header(app: object) -> str:
    from textual.app import App

    assert isinstance(app, App)
    return str(app.screen.query_one("#walkthrough-progress").render())


async def test_walkthrough_one_section_at_a_time(make_app: AppFactory, evidence: Path) -> None:
    app, _ = make_app({"ci.contract": FAIL}, walkthrough=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WalkthroughScreen)
        assert "section 1 of 3 · CI/CD Pipeline · ✘ NO-GO 1/2" in header(app)
        section = str(screen.query_one("#walkthrough-section").render())
        assert "Requirement: All CI checks GREEN within last 24 hours" in section
        cards = list(screen.query(WalkthroughCard))
        assert [c.criterion_id for c in cards] == ["ci.contract", "ci.tests"]
        first = str(cards[0].render())
        assert "Hint      look at the last run" in first
        assert "Runbook   https://runbooks.example/ci" in first
        assert cards[0].has_class("-fail") and cards[0].has_class("-selected")
        await pilot.press("enter")
        assert "section 2 of 3 · Security Headers" in header(app)
        await pilot.press("left")
        assert "section 1 of 3" in header(app)
        await pilot.press("right", "right")
        assert "section 3 of 3 · Team Readiness · ☐ WAITING 1/2" in header(app)
        assert "1 manual tick to settle" in str(screen.query_one("#walkthrough-section").render())
        await pilot.press("space")
        assert isinstance(app.screen, TickNoteModal)
        await pilot.press(*"ok", "enter")
        await pilot.pause()
        assert review_of(app).journal.state.ticks["team.oncall"].note == "ok"
        assert "✔ GO 2/2" in header(app)
        await pilot.press("enter")
        assert "summary" in header(app)
        (summary,) = sorted(evidence.glob("walkthrough_*.md"))
        assert summary.name == "walkthrough_20261126_100000.md"
        text = summary.read_text()
        assert "### Fix (1)" in text and "**FAIL** `ci.contract`" in text
        assert (evidence / "walkthrough_20261126_100000.json").exists()
        assert "- [x] `team.oncall`" in text
        assert "REVIEW" in text
        assert str(summary) in str(screen.query_one("#walkthrough-section").render())
        await pilot.press("enter")
        assert isinstance(app.screen, ReviewScreen)


async def test_walkthrough_keys_rerun_waive_and_leave(make_app: AppFactory) -> None:
    app, runner = make_app({"ci.contract": FAIL})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        assert isinstance(app.screen, WalkthroughScreen)
        calls = len(runner.calls)
        await pilot.press("r")
        await settle(pilot)
        assert runner.calls[calls:] == ["ci.contract"]
        await pilot.press("s")
        await settle(pilot)
        assert sorted(runner.calls[calls + 1 :]) == ["ci.contract", "ci.tests"]
        await pilot.press("w", *"x", "enter")
        await pilot.pause()
        assert "ci.contract" in review_of(app).journal.state.waivers
        await pilot.press("j", "k", "j")
        cards = list(app.screen.query(WalkthroughCard))
        assert cards[1].has_class("-selected") and not cards[0].has_class("-selected")
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)


async def test_walkthrough_of_ten_sections(make_app: AppFactory, seed_checklist: Checklist) -> None:
    app, _ = make_app(checklist=seed_checklist, walkthrough=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for number in range(1, 11):
            assert f"section {number} of 10" in header(app)
            await pilot.press("enter")
        assert "summary" in header(app)


async def test_walkthrough_ticks_carry_into_the_meeting(make_app: AppFactory) -> None:
    on_call, _ = make_app(walkthrough=True, operator="bob")
    async with on_call.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "enter", "space", "enter", "enter")
        await pilot.press("enter", "q")
        assert isinstance(on_call.screen, ConfirmModal)
        await pilot.press("y")
    meeting, runner = make_app(resume=None)
    async with meeting.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(meeting.screen, ResumeModal)
        await pilot.press("y")
        await settle(pilot)
        tick = review_of(meeting).journal.state.ticks["team.oncall"]
        assert tick.operator == "bob"
        assert runner.calls == []


async def test_the_palette_over_the_walkthrough_does_not_act_on_the_reviews_selection(
    make_app: AppFactory,
) -> None:
    """The palette's "Tick or untick the selected manual criterion" ran on the review's
    selection, hidden behind the walkthrough: it unticked team.oncall unseen."""
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        review_of(app).selected = "team.oncall"
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, WalkthroughScreen)
        await pilot.press("ctrl+p", *"Tick or untick")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        await pilot.press("escape")  # the palette, if still open
        await pilot.pause()
        assert journal_entries(app, "untick") == []
        assert "team.oncall" in review_of(app).journal.state.ticks


ATTENTION_YAML = """\
title: Attention
defaults: {timeout: 5s, stale_after: 5m}
sections:
  - id: mixed
    title: Mixed
    owner: Security Lead
    criteria:
      - {id: p1, title: Passing one, probe: {kind: http, url: "http://127.0.0.1:9/p1"}}
      - {id: old, title: Stale one, probe: {kind: http, url: "http://127.0.0.1:9/old"}}
      - {id: tick, title: Manual one, manual: true}
      - {id: err, title: Erroring one, probe: {kind: http, url: "http://127.0.0.1:9/err"}}
      - {id: p2, title: Passing two, probe: {kind: http, url: "http://127.0.0.1:9/p2"}}
      - {id: bad, title: Failing one, probe: {kind: http, url: "http://127.0.0.1:9/bad"}}
  - id: green
    title: Green
    criteria:
      - {id: g1, title: Green one, probe: {kind: http, url: "http://127.0.0.1:9/g1"}}
  - id: red
    title: Red
    criteria:
      - {id: r1, title: Red one, probe: {kind: http, url: "http://127.0.0.1:9/r1"}}
"""


def card_texts(app: object) -> list[tuple[str, str]]:
    from textual.app import App

    assert isinstance(app, App)
    return [(c.criterion_id, str(c.render())) for c in app.screen.query(WalkthroughCard)]


async def test_attention_first_and_passing_folded(
    make_app: AppFactory, tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "attention.yaml"
    path.write_text(ATTENTION_YAML)
    app, _ = make_app(
        {"bad": FAIL, "err": ERROR, "r1": FAIL},
        checklist=load_checklist(path, environ={}),
        walkthrough=True,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = review_of(app)
        clock.advance(600)  # every result is stale now; rerun all but `old`
        review.start_probes(["p1", "p2", "err", "bad", "g1", "r1"])
        await settle(pilot)
        review.publish()
        await pilot.pause()
        cards = card_texts(app)
        # FAIL, ERROR, the tick waiting, the stale result, then what passes, folded.
        assert [cid for cid, _ in cards] == ["bad", "err", "tick", "old", "p1", "p2"]
        full = {cid for cid, text in cards if "\n" in text}
        assert full == {"bad", "err", "tick", "old"}
        assert cards[4][1] == "✔ PASS  Passing one   HTTP 200"
        assert "2 passing folded below" in str(
            app.screen.query_one("#walkthrough-section").render()
        )
        # ↓ selects (it used to scroll only); `e` unfolds the selected passing criterion.
        await pilot.press("down", "down", "down", "down")
        selected = [
            c.criterion_id for c in app.screen.query(WalkthroughCard) if c.has_class("-selected")
        ]
        assert selected == ["p1"]
        await pilot.press("e")
        assert "Source    GET http://127.0.0.1:9/p1" in dict(card_texts(app))["p1"]
        await pilot.press("e")
        assert dict(card_texts(app))["p1"] == "✔ PASS  Passing one   HTTP 200"
        # Ticking moves the criterion down among the passing ones.
        await pilot.press("up", "up")
        await pilot.press("space")
        assert isinstance(app.screen, TickNoteModal)
        await pilot.press("enter")
        await pilot.pause()
        assert [cid for cid, _ in card_texts(app)][:3] == ["bad", "err", "old"]
        # `a` skips the GO section and lands on the next one needing attention.
        await pilot.press("a")
        assert "section 3 of 3 · Red" in header(app)
        await pilot.press("left")
        assert "section 2 of 3 · Green" in header(app)
        info = str(app.screen.query_one("#walkthrough-section").render())
        assert "✔ GO: all 1 criteria pass, nothing needs attention." in info
        await pilot.press("a", "a")
        assert "summary" in header(app)


async def test_short_screen_shows_every_criterion_needing_attention(
    make_app: AppFactory, tmp_path: Path
) -> None:
    """At 80x24 the criteria needing attention in full take more than the screen: the
    selected one stays in full, the others are compact (status, title, value, detail), so
    all are on the first screen; the selection moving brings another one in full."""
    path = tmp_path / "attention.yaml"
    path.write_text(ATTENTION_YAML)
    app, _ = make_app(
        {"bad": FAIL, "err": ERROR, "r1": FAIL},
        checklist=load_checklist(path, environ={}),
        walkthrough=True,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        cards = dict(card_texts(app))
        assert "Source    GET http://127.0.0.1:9/bad" in cards["bad"]
        assert cards["err"].startswith("! ERROR  Erroring one\nDetail    Connection refused")
        for card in app.screen.query(WalkthroughCard):
            if card.criterion_id in ("bad", "err", "tick"):
                assert card.region.bottom <= 24 - 1, card.criterion_id  # above the footer
        await pilot.press("down")
        cards = dict(card_texts(app))
        assert (
            cards["bad"]
            == "✘ FAIL  Failing one\nValue     HTTP 503, needs HTTP < 400\nDetail    HTTP 503, expected 200"
        )
        assert "Source    GET http://127.0.0.1:9/err" in cards["err"]


async def test_cards_step_down_until_every_criterion_needing_attention_fits(
    make_app: AppFactory, tmp_path: Path
) -> None:
    """At 120x35 the four criteria needing attention in full do not fit (at 120x36 they
    just do): the selected one stays in full, the others go compact, and all four are on
    the first screen."""
    path = tmp_path / "attention.yaml"
    path.write_text(
        ATTENTION_YAML.replace(
            "p1, title: Passing one,", "p1, title: Passing one, hint: 'a\\nb\\nc\\nd',"
        )
    )
    app, _ = make_app(
        {"bad": FAIL, "err": ERROR, "old": FAIL, "r1": FAIL},
        checklist=load_checklist(path, environ={}),
        walkthrough=True,
    )
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        for _ in range(5):
            await pilot.pause()
        cards = dict(card_texts(app))
        assert "Source    GET http://127.0.0.1:9/old" in cards["old"]  # selected: full
        assert (
            cards["bad"]
            == "✘ FAIL  Failing one\nValue     HTTP 503, needs HTTP < 400\nDetail    HTTP 503, expected 200"
        )
        screen = app.screen
        for card in screen.query(WalkthroughCard):
            if card.criterion_id in ("bad", "err", "old", "tick"):
                assert card.region.bottom <= 35 - 1, card.criterion_id
