"""The journal in the app: every change is written as it happens; reopening offers to resume."""

from __future__ import annotations

import json
from pathlib import Path

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.journal import PendingRecord, load_journal
from gonogo_tui.core.probes.base import Status
from gonogo_tui.core.records.build import build_record
from gonogo_tui.core.records.plan import RecordPlan, plan_record
from gonogo_tui.core.records.write import write_new_file
from gonogo_tui.core.signing import verify_ledger
from gonogo_tui.ui.app import GonogoApp
from gonogo_tui.ui.screens.modals import ResumeModal
from gonogo_tui.ui.screens.review import ReviewScreen
from gonogo_tui.ui.widgets.criterion_row import CriterionRow
from tests.ui.conftest import (
    SMALL_YAML,
    AppFactory,
    finish,
    journal_entries,
    journal_kinds,
    review_of,
    settle,
    tick_all,
)
from tests.ui.fakes import FAIL, FakeClock


async def test_every_change_is_journaled_the_moment_it_happens(make_app: AppFactory) -> None:
    app, _ = make_app({"ci.contract": FAIL})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = review_of(app)
        assert journal_kinds(app) == ["session", "focus"] + ["result"] * 5
        await pilot.press("w", *"x", "enter")
        assert journal_kinds(app)[-1] == "waiver"
        await pilot.press("w", "y")
        assert journal_kinds(app)[-1] == "unwaive"
        review.selected = "team.oncall"
        await pilot.press("space", "enter")
        assert journal_kinds(app)[-1] == "tick"
        await pilot.press("space", "y")
        assert journal_kinds(app)[-1] == "untick"
        await pilot.press("n", *"z", "enter")
        assert journal_kinds(app)[-1] == "note"
        await pilot.press("r")  # manual: nothing to rerun, nothing written
        await pilot.pause()
        assert journal_kinds(app)[-1] == "note"
        review.selected = "ci.tests"
        await pilot.press("r")
        await settle(pilot)
        assert journal_kinds(app)[-1] == "result"
        # The file on disk replays into exactly what the screen shows.
        assert load_journal(review.journal.path).state == review.journal.state


async def test_reopening_offers_to_resume(make_app: AppFactory, evidence: Path) -> None:
    first, _ = make_app({"ci.contract": FAIL})
    async with first.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = review_of(first)
        await pilot.press("w", *"known", "enter")
        tick_all(first)
        await pilot.press("n", *"hello", "enter")
        path = review.journal.path
        shown = {row.criterion_id: row.view for row in first.screen.query(CriterionRow)}
    # No quit: the app is simply gone, as after a crash.
    second, runner = make_app(resume=None)
    async with second.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(second.screen, ResumeModal)
        text = str(second.screen.query_one(".dialog-text").render())
        assert "5 results, 1 tick, 1 waiver, 1 note" in text and path.name in text
        await pilot.press("y")
        await settle(pilot)
        review = review_of(second)
        assert isinstance(second.screen, ReviewScreen)
        assert review.journal.path == path
        assert runner.calls == [], "measured probes are not rerun on resume"
        after = {row.criterion_id: row.view for row in second.screen.query(CriterionRow)}
        assert after == shown, "nothing that was on screen is lost"
        assert review.snapshot.evaluation.outcome("ci.contract").status is Status.WAIVED
        assert journal_kinds(second)[-1] == "resumed"
        assert json.loads(path.read_text().splitlines()[-1])["operator"] == "alice"


async def test_resume_starts_the_probes_that_had_no_result(
    make_app: AppFactory, evidence: Path
) -> None:
    first, _ = make_app(hang={"headers.csp"})
    async with first.run_test(size=(120, 40)) as pilot:
        await settle(pilot, hanging={"headers.csp"})
    second, runner = make_app(resume=True)
    async with second.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert runner.calls == ["headers.csp"]
        assert review_of(second).running == frozenset()


async def test_start_fresh_keeps_the_old_journal(make_app: AppFactory, evidence: Path) -> None:
    first, _ = make_app()
    async with first.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(first)
        old = review_of(first).journal.path
    second, runner = make_app(resume=None)
    async with second.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await settle(pilot)
        review = review_of(second)
        assert review.journal.path != old and old.exists()
        assert review.journal.state.ticks == {}
        assert len(runner.calls) == 5


async def test_a_finalized_session_is_not_offered(make_app: AppFactory, evidence: Path) -> None:
    first, _ = make_app()
    async with first.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(first)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("g")
        await finish(pilot)
        assert journal_entries(first, "finalized")
    second, _ = make_app(resume=None)
    async with second.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(second.screen, ReviewScreen)


def _interrupt_finalize(app: GonogoApp, evidence: Path, *, files: int) -> RecordPlan:
    """Journal a GO record's plan and write its first `files` files, as a kill -9 in the
    middle of finalizing leaves them."""
    review = review_of(app)
    record = build_record(
        review.ctx.checklist,
        review.snapshot.evaluation,
        operator="alice",
        decided_at=review.ctx.clock(),
    )
    plan = plan_record(record, evidence)
    review.journal.finalizing(PendingRecord(plan, "GO", "GO", "alice", record.decided_at))
    for name, text in plan.files[:files]:
        write_new_file(evidence / name, text.encode())
    return plan


async def test_resuming_completes_an_interrupted_record(
    make_app: AppFactory, evidence: Path
) -> None:
    first, _ = make_app()
    async with first.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(first)
        plan = _interrupt_finalize(first, evidence, files=1)
    assert not (evidence / plan.txt).exists()
    second, _ = make_app(resume=None)
    async with second.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(second.screen, ResumeModal)
        text = str(second.screen.query_one(".dialog-text").render())
        assert f"finalizing was interrupted: its GO record {plan.stem} will be completed" in text
        await pilot.press("y")
        await finish(pilot)
        review = review_of(second)
        assert review.finalized and review.journal.state.pending is None
        assert any("GO completed after an interruption" in n.message for n in second._notifications)
        assert journal_kinds(second)[-3:] == ["finalizing", "resumed", "finalized"]
    for name, text in plan.files:
        assert (evidence / name).read_text() == text
    assert verify_ledger(evidence).entries == 1


async def test_starting_afresh_still_completes_the_interrupted_record(
    make_app: AppFactory, evidence: Path
) -> None:
    first, _ = make_app()
    async with first.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(first)
        plan = _interrupt_finalize(first, evidence, files=0)
        old = review_of(first).journal.path
    second, _ = make_app(resume=None)
    async with second.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await settle(pilot)
        review = review_of(second)
        assert review.journal.path != old and not review.finalized
        assert any("previous session's GO record" in n.message for n in second._notifications)
    assert load_journal(old).state.finalized is not None
    assert (evidence / plan.txt).read_text() == dict(plan.files)[plan.txt]
    assert verify_ledger(evidence).entries == 1


async def test_a_journal_of_an_earlier_checklist_version_is_not_hidden(
    make_app: AppFactory, evidence: Path, tmp_path: Path
) -> None:
    """The checklist file changed since the unfinished session (a title renamed): it cannot
    be resumed, and the review says where its ticks, waivers and notes are kept."""
    path = tmp_path / "deploy.yaml"
    path.write_text(SMALL_YAML.read_text())
    first, _ = make_app({"ci.contract": FAIL}, checklist=load_checklist(path, environ={}))
    async with first.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(first)
        await pilot.press("w", *"known", "enter")
        old = review_of(first).journal.path
    path.write_text(SMALL_YAML.read_text().replace("CSP header present", "CSP header set"))
    second, _ = make_app(checklist=load_checklist(path, environ={}), resume=None)
    async with second.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(second.screen, ReviewScreen)
        assert review_of(second).journal.path != old
        (told,) = [n for n in second._notifications if n.title == "Checklist changed"]
        assert old.name in told.message and "1 tick, 1 waiver" in told.message
        assert str(evidence) in told.message
    # Once the changed file has a session of its own, that one is offered as usual.
    third, _ = make_app(checklist=load_checklist(path, environ={}), resume=None)
    async with third.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(third.screen, ResumeModal)
        assert not [n for n in third._notifications if n.title == "Checklist changed"]


async def test_a_resumed_meeting_keeps_its_countdown(
    make_app: AppFactory, clock: FakeClock
) -> None:
    """Killed at 08:39 left and resumed at 09:58 (issue 14): the meeting's start is the
    journal's, so the time spent before the crash still counts."""
    first, _ = make_app(duration=600.0)
    async with first.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        clock.advance(81)
        review_of(first).publish()
        await pilot.pause()
        assert round(review_of(first).snapshot.remaining) == 519
    clock.advance(30)  # the crash, and the operator reopening it
    second, _ = make_app(resume=True, duration=600.0)
    async with second.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert round(review_of(second).snapshot.remaining) == 489
        assert "◷ 08:09 ▶" in str(pilot.app.screen.query_one("#header-countdown").render())
