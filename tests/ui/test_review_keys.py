"""Pilot tests of the review screen's keys, with the scripted runner and a frozen clock."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.widgets import Button, Input, Static
from textual.widgets._footer import FooterKey

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import Decision
from gonogo_tui.core.probes.base import Status
from gonogo_tui.ui.looks import RowState
from gonogo_tui.ui.screens.help import HelpScreen
from gonogo_tui.ui.screens.modals import ConfirmModal, NoteModal, TickNoteModal
from gonogo_tui.ui.screens.presenter import PresenterScreen
from gonogo_tui.ui.screens.waiver_dialog import WaiverModal
from gonogo_tui.ui.widgets.criterion_row import CriterionRow
from gonogo_tui.ui.widgets.decision_bar import DecisionBar
from gonogo_tui.ui.widgets.detail_pane import DetailPane
from gonogo_tui.ui.widgets.section_panel import SectionPanel
from tests.ui.conftest import (
    AppFactory,
    journal_entries,
    journal_kinds,
    review_of,
    settle,
    shown_text,
)
from tests.ui.fakes import ERROR, FAIL, Scripted

FIRST = "ci.contract"
SMALL_PROBED = ["ci.contract", "ci.tests", "headers.hsts", "headers.csp", "team.window"]


def text_of(widget: object) -> str:
    from textual.widgets import Static

    assert isinstance(widget, Static)
    return str(widget.render())


async def test_probes_start_in_workers_and_show_running(make_app: AppFactory) -> None:
    app, runner = make_app(hang={"ci.contract", "team.window"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, hanging={"ci.contract", "team.window"})
        review = review_of(app)
        assert sorted(runner.calls) == sorted(SMALL_PROBED)
        assert review.running == {"ci.contract", "team.window"}
        rows = {row.criterion_id: row for row in app.screen.query(CriterionRow)}
        assert rows["ci.contract"].view.state is RowState.RUNNING
        assert "RUN" in str(rows["ci.contract"].render())
        assert rows["ci.tests"].view.state is RowState.PASS
        assert rows["team.oncall"].view.state is RowState.TICK
        panels = list(app.screen.query(SectionPanel))
        assert panels[0].header.has_class("-running") and panels[1].header.has_class("-go")
        workers = {w.group for w in app.workers if w.is_running}
        assert workers == {"probe:ci.contract", "probe:team.window"}
        runner.release("ci.contract")
        runner.release("team.window")
        await settle(pilot)
        assert review.running == frozenset()
        assert rows["ci.contract"].view.state is RowState.PASS
        assert panels[0].header.has_class("-go") and panels[2].header.has_class("-waiting")


async def test_navigation_keys(make_app: AppFactory, seed_checklist: Checklist) -> None:
    app, _ = make_app(hang={"ci.contract"}, checklist=seed_checklist)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, hanging={"ci.contract"})
        review = review_of(app)
        assert review.selected == "artifacts.summary"
        await pilot.press("down", "j")
        assert review.selected == "artifacts.signoff"
        await pilot.press("up")
        assert review.selected == "artifacts.package"
        await pilot.press("k", "k", "k")
        assert review.selected == "artifacts.summary"
        await pilot.press("tab")
        assert review.selected == "ci.contract"
        await pilot.press("down", "tab")
        assert review.selected == "coverage.pact"
        await pilot.press("shift+tab", "shift+tab", "shift+tab")
        assert review.selected == "team.secondary"
        await pilot.press("right")
        assert review.selected == "team.secondary"
        await pilot.press("left")
        assert review.selected == "base.errors"
        await pilot.press("h")
        assert review.selected == "mon.panels"
        await pilot.press("l", "l")
        assert review.selected == "team.secondary"
        rows = {row.criterion_id: row for row in app.screen.query(CriterionRow)}
        assert rows["team.secondary"].has_class("-selected")
        assert not rows["artifacts.summary"].has_class("-selected")
        assert "Secondary on-call available" in str(app.screen.query_one("#detail-text").render())
        order = [c.id for _, c in seed_checklist.criteria()]
        await pilot.press("home")
        assert review.selected == order[0]
        await pilot.press("pagedown")
        assert review.selected == order[10]
        await pilot.press("pageup", "pageup")
        assert review.selected == order[0]
        await pilot.press("end")
        assert review.selected == order[-1]


async def test_navigation_is_instant_while_a_probe_hangs(
    make_app: AppFactory, seed_checklist: Checklist
) -> None:
    app, _ = make_app(hang={"db.pool"}, checklist=seed_checklist)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, hanging={"db.pool"})
        review = review_of(app)
        started = time.perf_counter()
        for _ in range(20):
            await pilot.press("j")
        elapsed = time.perf_counter() - started
        assert review.selected == "headers.csp"
        assert review.running == {"db.pool"}
        assert elapsed < 5


async def test_click_selects_a_row(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        row = next(r for r in app.screen.query(CriterionRow) if r.criterion_id == "headers.csp")
        await pilot.click(row)
        assert review_of(app).selected == "headers.csp"


async def test_r_s_R_rerun(make_app: AppFactory) -> None:
    app, runner = make_app({"ci.contract": FAIL})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = review_of(app)
        first_round = len(runner.calls)
        await pilot.press("r")
        await settle(pilot)
        assert runner.calls[first_round:] == ["ci.contract"]
        await pilot.press("s")
        await settle(pilot)
        assert sorted(runner.calls[first_round + 1 :]) == ["ci.contract", "ci.tests"]
        before = len(runner.calls)
        await pilot.press("R")
        await settle(pilot)
        assert len(runner.calls) - before == len(review._probed)
        assert len(review.journal.state.runs["ci.contract"]) == 4
        assert len(journal_entries(app, "result")) == first_round + 1 + 2 + len(review._probed)


async def test_r_on_a_manual_criterion_says_so(make_app: AppFactory) -> None:
    app, runner = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review_of(app).selected = "team.oncall"
        before = len(runner.calls)
        await pilot.press("r")
        await pilot.pause()
        assert len(runner.calls) == before
        assert any("manual" in n.message for n in app._notifications)


async def test_rerun_while_running_supersedes_the_old_run(make_app: AppFactory) -> None:
    app, runner = make_app(hang={"ci.contract"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, hanging={"ci.contract"})
        review = review_of(app)
        await pilot.press("r")
        await pilot.pause()
        assert runner.cancelled == ["ci.contract"]
        assert review.running == {"ci.contract"}
        runner.release("ci.contract")
        await settle(pilot)
        assert review.running == frozenset()
        assert len(review.journal.state.runs["ci.contract"]) == 1


async def test_space_ticks_with_a_note_and_unticks(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = review_of(app)
        await pilot.press("tab", "tab")
        assert review.selected == "team.oncall"
        await pilot.press("space")
        assert isinstance(app.screen, TickNoteModal)
        await pilot.press(*"ok", "enter")
        await pilot.pause()
        tick = review.journal.state.ticks["team.oncall"]
        assert (tick.operator, tick.note) == ("alice", "ok")
        assert review.snapshot.evaluation.outcome("team.oncall").status is Status.PASS
        assert journal_entries(app, "tick")[0]["note"] == "ok"
        # A stray space asks first (it unticked at once): `n` keeps the tick.
        await pilot.press("space")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "ticked by alice at 10:00:00 (ok). Untick it?" in str(
            app.screen.query_one(".dialog-text").render()
        )
        await pilot.press("n")
        await pilot.pause()
        assert "team.oncall" in review.journal.state.ticks
        assert journal_kinds(app)[-1] == "tick"
        await pilot.press("space", "y")
        await pilot.pause()
        assert "team.oncall" not in review.journal.state.ticks
        assert journal_kinds(app)[-1] == "untick"


async def test_space_escape_cancels_the_tick(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = review_of(app)
        review.selected = "team.oncall"
        await pilot.press("space", "escape")
        await pilot.pause()
        assert review.journal.state.ticks == {}
        assert "tick" not in journal_kinds(app)


async def test_space_on_a_probe_does_not_tick(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space")
        await pilot.pause()
        assert not isinstance(app.screen, TickNoteModal)
        assert review_of(app).journal.state.ticks == {}


async def test_w_waives_with_a_required_reason(make_app: AppFactory) -> None:
    app, _ = make_app({"ci.contract": FAIL})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = review_of(app)
        await pilot.press("w")
        assert isinstance(app.screen, WaiverModal)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WaiverModal)
        assert app.screen.query_one(".dialog-error").display
        await pilot.press(*"flaky", "enter")
        await pilot.pause()
        outcome = review.snapshot.evaluation.outcome("ci.contract")
        assert outcome.status is Status.WAIVED
        assert outcome.waiver is not None and outcome.waiver.reason == "flaky"
        assert outcome.waiver.operator == "alice"
        row = next(r for r in app.screen.query(CriterionRow) if r.criterion_id == "ci.contract")
        assert row.view.state is RowState.WAIVED and "WAIVED" in str(row.render())
        assert "WAIVED" in text_of(app.screen.query_one("#detail-text"))
        assert journal_entries(app, "waiver")[0]["reason"] == "flaky"
        await pilot.press("w")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert review.snapshot.evaluation.outcome("ci.contract").status is Status.FAIL
        assert journal_kinds(app)[-1] == "unwaive"


async def test_w_refuses_passing_and_unmeasured(make_app: AppFactory) -> None:
    app, _ = make_app(hang={"ci.contract"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, hanging={"ci.contract"})
        await pilot.press("w")
        await pilot.pause()
        assert not isinstance(app.screen, WaiverModal), "running: not measured yet"
        await pilot.press("j", "w")
        await pilot.pause()
        assert not isinstance(app.screen, WaiverModal), "passing: nothing to waive"
        assert review_of(app).journal.state.waivers == {}


async def test_n_adds_a_note(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = review_of(app)
        await pilot.press("n")
        assert isinstance(app.screen, NoteModal)
        await pilot.press(*"late", "enter")
        await pilot.pause()
        (note,) = review.journal.state.notes
        assert (note.text, note.operator, note.criterion_id) == ("late", "alice", FIRST)
        assert "alice at 10:00:00: late" in text_of(app.screen.query_one("#detail-text"))
        await pilot.press("n", *"general", "tab", "space")
        await pilot.click("#add")
        await pilot.pause()
        assert review.journal.state.notes[-1].criterion_id is None
        assert [e["text"] for e in journal_entries(app, "note")] == ["late", "general"]


async def test_p_presenter_follows_the_review(make_app: AppFactory) -> None:
    app, runner = make_app({"ci.contract": FAIL}, hang={"headers.csp"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, hanging={"headers.csp"})
        await pilot.press("p")
        assert isinstance(app.screen, PresenterScreen)
        tiles = list(app.screen.query(".tile"))
        assert len(tiles) == 3
        assert tiles[0].has_class("-no-go") and tiles[1].has_class("-running")
        runner.release("headers.csp")
        await settle(pilot)
        assert tiles[1].has_class("-go") and tiles[2].has_class("-waiting")
        assert app.screen.query_one("#presenter-verdict").has_class("-no-go")
        await pilot.press("p")
        assert not isinstance(app.screen, PresenterScreen)


async def test_question_mark_lists_every_key(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        console = Console(record=True, width=100, file=io.StringIO())
        for static in app.screen.query("#help-keys Static").results(Static):
            console.print(static.content)
        text = console.export_text()
        for words in ("Rerun", "Tick", "Waive", "Note", "Present", "Finalize", "Walk", "Quit"):
            assert words in text
        for key in ("↑ / k", "↓ / j", "← / h", "→ / l", "tab", "shift+tab", "home", "end"):
            assert key in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_d_maximizes_the_detail(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        normal = app.screen.query_one(DetailPane).size.height
        await pilot.press("d")
        assert isinstance(app.screen.maximized, DetailPane)
        await pilot.pause()
        assert app.screen.query_one(DetailPane).size.height > 30 > normal
        await pilot.press("d")
        assert app.screen.maximized is None
        await pilot.pause()
        assert app.screen.query_one(DetailPane).size.height == normal


async def test_command_palette_runs_review_actions(make_app: AppFactory) -> None:
    app, runner = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = len(runner.calls)
        await pilot.press("ctrl+p")
        await pilot.press(*"Rerun all probes")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert len(runner.calls) - before == len(review_of(app)._probed)


async def test_decision_bar_says_what_is_missing(make_app: AppFactory) -> None:
    app, _ = make_app({"ci.contract": FAIL, "headers.hsts": ERROR})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(DecisionBar)
        info = text_of(bar.query_one("#decision-info"))
        assert "Decision by the policy: NO-GO" in info
        # By title, failures first, then errors, then ticks (issue 14): at 120 columns the
        # failure is named and the rest counted.
        assert "Blocks GO: contract-chaos-tests.yml SUCCESS HTTP 503, needs HTTP 200" in info
        assert info.rstrip().endswith("· +2 more")
        assert bar.query_one("#verdict").has_class("-no-go")
        assert review_of(app).snapshot.evaluation.decision is Decision.NO_GO


async def test_a_worker_that_raises_ends_as_an_error_result(make_app: AppFactory) -> None:
    app, _ = make_app({"ci.tests": Scripted(raises="runner bug")})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = review_of(app)
        outcome = review.snapshot.evaluation.outcome("ci.tests")
        assert outcome.status is Status.ERROR
        assert outcome.result is not None
        assert outcome.result.detail == "internal error: RuntimeError: runner bug"
        assert review.running == frozenset()
        (written,) = [e for e in journal_entries(app, "result") if e["criterion_id"] == "ci.tests"]
        assert written["result"]["status"] == "ERROR"


async def test_the_footer_lists_every_key_at_120_columns(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        keys = list(app.screen.query(FooterKey))
        shown = {key.action for key in keys}
        for action in (
            "move(1)", "toggle_tick", "waive", "note", "rerun_selected", "rerun_section",
            "rerun_all", "presenter", "walkthrough", "finalize", "app.open_help", "app.quit",
        ):  # fmt: skip
            assert action in shown
        for key in keys:  # every entry whole on the screen, none cut off
            assert key.region.width > 0 and key.region.right <= 120
        move = next(key for key in keys if key.action == "move(1)")
        assert "tab" in move.key_display and "↑" in move.key_display


LONG_TEXTS = """\
title: Long texts
sections:
  - id: a
    title: A
    criteria:
      - id: a.m
        title: "{title}"
        manual: true
        why_manual: "{why}"
"""


async def test_dialogs_keep_their_answer_in_view_whatever_the_text(
    make_app: AppFactory, tmp_path: Path
) -> None:
    """80x24, a criterion whose title and why_manual take forty lines: the waiver and tick
    dialogs' text scrolls, their input and buttons stay in view and have the keyboard (the
    text pushed them out of the dialog: what was typed could not be seen)."""
    path = tmp_path / "long.yaml"
    path.write_text(LONG_TEXTS.format(title="Very long title " * 60, why="A person looks. " * 80))
    app, _ = make_app(checklist=load_checklist(path, environ={}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key, modal, answer in (
            ("w", WaiverModal, "#waiver-reason"),
            ("space", TickNoteModal, "#tick-note"),
        ):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, modal)
            dialog = app.screen.query_one(".dialog").content_region
            answer_input = app.screen.query_one(answer, Input)
            assert app.focused is answer_input
            for widget in (answer_input, *app.screen.query(Button)):
                assert dialog.contains_region(widget.region), widget
            assert app.screen.query_one(".dialog-body").max_scroll_y > 0
            await pilot.press(*"ok", "enter")
            await pilot.pause()
        assert [e["reason"] for e in journal_entries(app, "waiver")] == ["ok"]
        assert [e["note"] for e in journal_entries(app, "tick")] == ["ok"]


async def test_a_wide_row_gives_a_short_titles_room_to_the_value(make_app: AppFactory) -> None:
    """200 columns: an ERROR's reason was cut at 45% of the row beside a short title and
    forty blank cells (`cannot connect to 127.0.0.1:9: conn…`)."""
    reason = "cannot connect to 127.0.0.1:9: connection refused"
    app, _ = make_app({"headers.hsts": Scripted(Status.ERROR, "", reason)})
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        row = next(r for r in app.screen.query(CriterionRow) if r.criterion_id == "headers.hsts")
        shown = shown_text(row)
        assert reason in shown and "HSTS max-age >= 15552000" in shown


async def test_paging_keys_scroll_the_full_screen_detail(make_app: AppFactory) -> None:
    """The detail pane takes no focus: full screen, its long output could not be reached
    by keyboard (`pgdn` moved to another criterion). Now the paging keys scroll it."""
    output = "\n".join(f"line {number}" for number in range(150))
    app, _ = make_app({"ci.contract": Scripted(Status.FAIL, "1", "exit 1", output)})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        review = review_of(app)
        assert review.selected == FIRST
        await pilot.press("d")
        await pilot.pause()
        pane = app.screen.query_one(DetailPane)
        assert pane.max_scroll_y > 0 and pane.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert pane.scroll_y > 0 and review.selected == FIRST
        await pilot.press("end")
        await pilot.pause()
        assert pane.scroll_y == pane.max_scroll_y and review.selected == FIRST
        assert "line 149" in shown_text(pane)
        await pilot.press("pageup", "home")
        await pilot.pause()
        assert pane.scroll_y == 0 and review.selected == FIRST
        await pilot.press("d", "pagedown")  # back in the review: ten criteria down
        assert review.selected != FIRST


async def test_a_meeting_note_stays_on_screen(make_app: AppFactory) -> None:
    """A note about no criterion (its "About" box unchecked) was journaled, then shown
    nowhere: not even after resuming could the meeting see it."""
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"db team on standby", "tab", "space")
        await pilot.click("#add")
        await pilot.pause()
        for cid in (FIRST, "team.oncall"):
            review_of(app).selected = cid
            await pilot.pause()
            detail = text_of(app.screen.query_one("#detail-text"))
            assert "Meeting   note by alice at 10:00:00: db team on standby" in detail


class _FailingWrites:
    """The journal's writes fail (a full disk, a folder made read-only) until `heal()`."""

    def __init__(self, journal: Any) -> None:
        self.journal = journal
        self.original = journal._write_many
        journal._write_many = self._fail

    def _fail(self, entries: Any) -> None:
        raise EvidenceError("journal.jsonl: No space left on device")

    def heal(self) -> None:
        self.journal._write_many = self.original


async def test_what_was_typed_is_asked_again_when_the_journal_cannot_take_it(
    make_app: AppFactory,
) -> None:
    """Nothing the operator typed is lost: a note, a waiver reason or a tick note that could
    not be journaled comes back in its dialog, with why, to be sent again."""
    app, _ = make_app({"ci.contract": FAIL})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = review_of(app)
        disk = _FailingWrites(review.journal)
        cases = [
            ("n", NoteModal, "#note-text", "db team on standby"),
            ("w", WaiverModal, "#waiver-reason", "flaky since Monday"),
        ]
        for key, modal, field, typed in cases:
            await pilot.press(key, *typed, "enter")
            await pilot.pause()
            assert isinstance(app.screen, modal), key
            assert app.screen.query_one(field, Input).value == typed
            error = app.screen.query_one(".dialog-error")
            assert error.display and "No space left on device" in str(error.render())
            await pilot.press("escape")
        await pilot.press("tab", "tab", "space", *"confirmed", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TickNoteModal)
        assert app.screen.query_one("#tick-note", Input).value == "confirmed"
        disk.heal()
        await pilot.press("enter")  # sent again once the journal takes it
        await pilot.pause()
        assert not isinstance(app.screen, TickNoteModal)
        assert review.journal.state.ticks["team.oncall"].note == "confirmed"
        assert review.journal.state.notes == [] and review.journal.state.waivers == {}


async def test_ctrl_c_says_in_plain_words_which_key_quits(make_app: AppFactory) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        (hint,) = [n for n in app._notifications if n.title == "Do you want to quit?"]
        assert hint.message == "Press q to quit."


async def test_every_palette_entry_is_shown_once(make_app: AppFactory) -> None:
    """Each search hit carried its title again as help text: the palette read
    'Rerun all probes (R)' twice per entry (issue 14)."""
    from textual.command import CommandList

    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Rerun")
        await pilot.pause(0.3)
        shown = shown_text(app.screen.query_one(CommandList))
        assert shown.count("Rerun all probes (R)") == 1, shown
        assert shown.count("Rerun the selected probe (r)") == 1, shown
        assert "action:" not in shown
        await pilot.press("escape")


async def test_the_note_dialogs_checkbox_reads_without_colour(make_app: AppFactory) -> None:
    """It showed X both checked and unchecked, told apart by colour alone (issue 14)."""
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        box = app.screen.query_one("#note-about")
        checked = shown_text(box)
        assert "✔" in checked and "X" not in checked, checked
        await pilot.click("#note-about")
        await pilot.pause()
        unchecked = shown_text(box)
        assert "✔" not in unchecked and "X" not in unchecked, unchecked
        assert f"About {FIRST}" in unchecked
        await pilot.press("escape")
