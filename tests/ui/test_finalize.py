"""Finalize, override and quit: the dialogs, the record files and the journal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Button, Footer, Input

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.evaluation import FinalizeChoice
from gonogo_tui.ui.app import GonogoApp
from gonogo_tui.ui.screens.finalize import (
    CtoApprovalModal,
    FinalizeModal,
    NoGoModal,
    OverrideModal,
)
from gonogo_tui.ui.screens.modals import ConfirmModal, ErrorModal, NoteModal
from gonogo_tui.ui.screens.sign_off import SignOffModal
from gonogo_tui.ui.widgets.criterion_row import CriterionRow
from gonogo_tui.ui.widgets.decision_bar import DecisionBar
from tests.ui.conftest import (
    AppFactory,
    finish,
    journal_entries,
    review_of,
    settle,
    shown_text,
    tick_all,
)
from tests.ui.fakes import ERROR, FAIL, FakeClock, Scripted

KEY_NAMES = {" ": "space", ":": "colon"}
"""Pilot's names for the keys that type these characters."""


def fill(app: object, values: dict[str, str]) -> None:
    """Type into a dialog's inputs (typing key by key is tested in the waiver test)."""
    from textual.app import App

    assert isinstance(app, App)
    for input_id, value in values.items():
        app.screen.query_one(f"#{input_id}", Input).value = value


def records(evidence: Path, pattern: str) -> list[Path]:
    return sorted(evidence.glob(pattern))


def verdict_text(app: object) -> str:
    from textual.app import App

    assert isinstance(app, App)
    bar = app.screen.query_one(DecisionBar)
    return f"{bar.query_one('#verdict').render()} {bar.query_one('#decision-info').render()}"


async def open_finalize(pilot: Pilot[object], *keys: str, ticks: bool = True) -> None:
    """Once the probes are done (and every manual criterion ticked), press `f`, then
    `keys`, each in the dialog it opens."""
    await settle(pilot)
    if ticks:
        assert isinstance(pilot.app, GonogoApp)
        tick_all(pilot.app)
    for key in ("f", *keys):
        await pilot.press(key)
        await pilot.pause()


async def test_go_is_recorded(make_app: AppFactory, evidence: Path) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FinalizeModal)
        assert app.screen.allowed == (FinalizeChoice.RECORD_GO,)
        await pilot.press("o")  # no override of a GO
        assert isinstance(app.screen, FinalizeModal)
        await pilot.press("g")
        await finish(pilot)
        (txt,) = records(evidence, "go_decision_*.txt")
        assert txt.name == "go_decision_20261126_100000.txt"
        text = txt.read_text()
        assert text.startswith("GO/NO-GO Decision: GO ✅")
        assert "Checks Passed: 3/3" in text and "Operator: alice" in text
        assert "unsigned" in text
        data = json.loads(txt.with_suffix(".json").read_text())
        assert data["decision"] == "GO" and data["mode"] == "normal"
        (final,) = journal_entries(app, "finalized")
        assert final["record_id"] == "go_decision_20261126_100000"
        assert "FINAL: GO" in verdict_text(app)
        review = review_of(app)
        assert review.finalized
        footer = shown_text(app.screen.query_one(Footer))
        assert "f Sign" in footer and "Finalize" not in footer, footer
        await pilot.press("f")
        await pilot.pause()
        assert not isinstance(app.screen, FinalizeModal)
        assert isinstance(app.screen, SignOffModal)  # finalized: f collects signatures
        assert not list(app._notifications)  # no toast over the dialog (it covered buttons)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("q")  # finalized: quits without asking
    assert app.return_code == 0


async def test_an_evidence_folder_named_like_markup_is_shown_as_typed(
    make_app: AppFactory, tmp_path: Path
) -> None:
    """Notifications are plain text: `[/]` in the evidence folder's name made the "GO
    recorded" toast raise MarkupError and end the meeting with a traceback."""
    evidence = tmp_path / "ev[/]x"
    app, _ = make_app(evidence_dir=evidence)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_finalize(pilot, "g")
        await finish(pilot)
        await pilot.pause(0.2)  # the toast is drawn
        assert review_of(app).finalized
        assert app.is_running and app.return_code is None
        assert any("ev[/]x" in n.message and not n.markup for n in app._notifications)


async def test_review_with_cto_approval_is_go(make_app: AppFactory, evidence: Path) -> None:
    app, _ = make_app({"ci.contract": FAIL})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("f")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, FinalizeModal)
        assert modal.allowed == (
            FinalizeChoice.CTO_APPROVAL,
            FinalizeChoice.RECORD_NO_GO,
            FinalizeChoice.OVERRIDE,
        )
        reasons = str(modal.query_one("#finalize-reasons Static").render())
        assert "Sections not GO (1): 1. CI/CD Pipeline" in reasons
        assert "FAIL   contract-chaos-tests.yml SUCCESS: HTTP 503, needs HTTP 200" in reasons
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, CtoApprovalModal)
        await pilot.click("#approve")
        assert "name is required" in str(app.screen.query_one(".dialog-error").render())
        fill(app, {"cto-name": "Carol", "cto-comment": "known flaky suite"})
        await pilot.click("#approve")
        await finish(pilot)
        (txt,) = records(evidence, "go_decision_*.txt")
        assert "Policy Decision: REVIEW, approved by the CTO" in txt.read_text()
        assert "Approval Comment: Carol (cto): known flaky suite" in txt.read_text()
        data = json.loads(txt.with_suffix(".json").read_text())
        assert data["mode"] == "review" and data["policy_decision"] == "REVIEW"
        assert data["approvals"][0]["principal"] == "Carol"
        assert data["approvals"][0]["comment"] == "known flaky suite"
        shown = verdict_text(app)
        assert "FINAL: GO (REVIEW, approved by the CTO)" in shown
        assert "all sections GO" not in shown


async def test_cto_approval_requires_a_comment(make_app: AppFactory, evidence: Path) -> None:
    app, _ = make_app({"ci.contract": FAIL})
    async with app.run_test(size=(80, 24)) as pilot:
        await open_finalize(pilot, "a")
        modal = app.screen
        assert isinstance(modal, CtoApprovalModal)
        await pilot.press(*"Carol", "enter", "enter")  # the name, then an empty comment
        await pilot.pause()
        assert app.screen is modal, "no approval without a comment"
        error = modal.query_one(".dialog-error")
        assert error.display and "comment is required" in str(error.render())
        assert modal.query_one("#cto-name", Input).value == "Carol"
        assert app.focused is modal.query_one("#cto-comment", Input)
        await pilot.click("#approve")
        assert app.screen is modal
        assert records(evidence, "*decision*") == []
        await pilot.press(*"known flake", "enter")
        await finish(pilot)
        (txt,) = records(evidence, "go_decision_*.txt")
        assert "Approval Comment: Carol (cto): known flake" in txt.read_text().splitlines()
        (approval,) = json.loads(txt.with_suffix(".json").read_text())["approvals"]
        assert (approval["role"], approval["principal"], approval["vote"]) == (
            "cto",
            "Carol",
            "approve",
        )
        assert approval["comment"] == "known flake"
        assert approval["at"] == "2026-11-26T10:00:00.000Z"
        assert "FINAL: GO" in verdict_text(app)


MANY_FAILING = {
    cid: FAIL
    for cid in (
        "artifacts.summary",
        "artifacts.package",
        "ci.contract",
        "ci.headers",
        "ci.tests",
        "coverage.unit",
        "coverage.pact",
        "rollback.pitr",
        "headers.csp",
        "headers.hsts",
        "flags.outbox",
        "db.pool",
        "mon.dashboard",
        "base.p95",
    )
}
"""A dozen and more failing criteria in nine sections, with the manual ticks missing."""
ONE_SECTION_FAILING = {
    cid: FAIL for cid in ("ci.contract", "ci.headers", "ci.drift", "ci.tests", "ci.pending")
}
"""REVIEW: every criterion of one section failing, the widest row of buttons."""


def assert_fully_visible(app: GonogoApp, widget_region: Region, what: str) -> None:
    """`widget_region` is laid out, on screen and inside the dialog's frame."""
    dialog = app.screen.query_one(".dialog").region
    assert widget_region.area > 0, f"{what} is not laid out"
    assert app.screen.region.contains_region(widget_region), f"{what} {widget_region} off screen"
    assert dialog.contains_region(widget_region), f"{what} {widget_region} outside {dialog}"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize(
    ("script", "ticked", "choices"),
    [
        (MANY_FAILING, False, ("record-no-go", "override", "cancel")),
        (ONE_SECTION_FAILING, True, ("cto-approval", "record-no-go", "override", "cancel")),
    ],
    ids=["no-go-many-reasons", "review-one-section"],
)
async def test_finalize_choices_stay_visible(
    make_app: AppFactory,
    seed_checklist: Checklist,
    size: tuple[int, int],
    script: dict[str, Scripted],
    ticked: bool,
    choices: tuple[str, ...],
) -> None:
    app, _ = make_app(script, checklist=seed_checklist)
    async with app.run_test(size=size) as pilot:
        await open_finalize(pilot, ticks=ticked)
        modal = app.screen
        assert isinstance(modal, FinalizeModal)
        assert_fully_visible(app, modal.query_one("#finalize-verdict").region, "the decision")
        buttons = list(modal.query(Button))
        assert [b.id for b in buttons] == list(choices)
        for button in buttons:
            assert_fully_visible(app, button.region, f"button {button.id}")
            assert app.screen.get_widget_at(*button.region.center)[0] is button
            assert str(button.label).endswith(")"), "every button names its key"
        reasons = modal.query_one("#finalize-reasons")
        assert_fully_visible(app, reasons.region, "the reasons")
        if script is MANY_FAILING:
            assert reasons.max_scroll_y > 0, "the reasons scroll within the dialog"
            assert app.focused is reasons
            await pilot.press("end")  # the keyboard reaches the last reason
            await pilot.pause()
            assert reasons.scroll_y == reasons.max_scroll_y
            assert_fully_visible(app, buttons[0].region, "button after scrolling the reasons")


async def test_review_without_approval_is_no_go(make_app: AppFactory, evidence: Path) -> None:
    app, _ = make_app({"ci.contract": FAIL})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NoGoModal)
        reason = app.screen.query_one("#nogo-reason", Input).value
        assert reason == "Failed checks: 1. CI/CD Pipeline (contract-chaos-tests.yml SUCCESS: FAIL)"
        await pilot.press("enter")  # focus is on 'action': empty fields are refused
        await pilot.click("#record")
        assert "Missing: the action required and the next review." in str(
            app.screen.query_one(".dialog-error").render()
        )
        fill(app, {"nogo-action": "fix the suite", "nogo-next": "2026-11-27 10:00"})
        await pilot.click("#record")
        await finish(pilot)
        (txt,) = records(evidence, "no_go_decision_*.txt")
        text = txt.read_text()
        assert text.startswith("GO/NO-GO Decision: NO-GO ❌")
        assert (
            "Reason: Failed checks: 1. CI/CD Pipeline (contract-chaos-tests.yml SUCCESS: FAIL)"
            in text
        )
        assert "Action: fix the suite" in text and "Next Review: 2026-11-27 10:00" in text
        assert "Policy Decision: REVIEW (CTO approval required), not approved" in text
        assert "FINAL: NO-GO" in verdict_text(app)


async def test_no_go_offers_no_go_or_override(make_app: AppFactory, evidence: Path) -> None:
    app, _ = make_app({"ci.contract": FAIL, "headers.hsts": ERROR})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FinalizeModal)
        assert app.screen.allowed == (FinalizeChoice.RECORD_NO_GO, FinalizeChoice.OVERRIDE)
        await pilot.press("a")  # no CTO approval for a NO-GO
        assert isinstance(app.screen, FinalizeModal)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, FinalizeModal)
        assert records(evidence, "*decision*") == []
        assert journal_entries(app, "finalized") == []


async def test_the_palette_over_a_dialog_keeps_its_answers(
    make_app: AppFactory, evidence: Path
) -> None:
    """ctrl+p over the NO-GO dialog offers no review command: "Finalize" from there once
    cancelled the finalize waiting for that dialog, and its answers were dropped."""
    app, _ = make_app({"ci.contract": FAIL})
    async with app.run_test(size=(120, 40)) as pilot:
        await open_finalize(pilot, "n")
        assert isinstance(app.screen, NoGoModal)
        fill(app, {"nogo-action": "fix the pipeline", "nogo-next": "tomorrow 10:00"})
        await pilot.press("ctrl+p", *"Finalize")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        await pilot.press("escape")  # the palette, if still open
        await pilot.pause()
        assert isinstance(app.screen, NoGoModal)
        await pilot.press("enter", "enter")  # action, next review: recorded
        await finish(pilot)
        assert review_of(app).finalized
        assert len(records(evidence, "no_go_decision_*.txt")) == 1


async def test_override_from_no_go(make_app: AppFactory, evidence: Path) -> None:
    app, _ = make_app({"ci.contract": FAIL, "headers.hsts": ERROR})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OverrideModal)
        fill(
            app,
            {
                "override-cto": "Carol",
                "override-senior-1": "Dan",
                "override-senior-2": "dan",
                "override-reason": "security fix must ship",
                "override-risk": "low: feature flagged",
            },
        )
        await pilot.click("#override")
        assert "distinct" in str(app.screen.query_one(".dialog-error").render())
        fill(app, {"override-senior-2": "Erin", "override-risk": ""})
        await pilot.click("#override")
        assert "risk assessment" in str(app.screen.query_one(".dialog-error").render())
        fill(app, {"override-risk": "low: feature flagged"})
        await pilot.click("#override")
        await finish(pilot)
        (txt,) = records(evidence, "go_decision_*.txt")
        (override,) = records(evidence, "emergency_override_*.txt")
        assert txt.read_text().startswith("GO/NO-GO Decision: OVERRIDE")
        assert "Dan (senior-engineer), Erin (senior-engineer)" in txt.read_text()
        assert "Policy Decision: NO-GO" in override.read_text()
        assert json.loads(txt.with_suffix(".json").read_text())["display_decision"] == "OVERRIDE"
        shown = verdict_text(app)
        assert "OVERRIDE" in shown and "FINAL: GO" not in shown
        (final,) = journal_entries(app, "finalized")
        assert final["display_decision"] == "OVERRIDE" and len(final["paths"]) == 3
        await pilot.press("p")
        assert app.screen.query_one("#presenter-verdict").has_class("-override")


async def test_override_from_review(make_app: AppFactory, evidence: Path) -> None:
    app, _ = make_app({"ci.contract": FAIL})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OverrideModal)
        await pilot.press(*"Carol", "enter", *"Dan", "enter", *"Erin", "enter", "x", "enter")
        await pilot.press("y", "enter")
        await finish(pilot)
        (override,) = records(evidence, "emergency_override_*.txt")
        assert "Policy Decision: REVIEW" in override.read_text()
        assert "Override Decision: GO (OVERRIDE)" in override.read_text()


async def test_stale_results_are_offered_a_rerun(
    make_app: AppFactory, clock: FakeClock, evidence: Path
) -> None:
    app, runner = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        clock.advance(301)
        review = review_of(app)
        review.publish()
        await pilot.pause()
        assert review.snapshot.stale == {
            "ci.contract",
            "ci.tests",
            "headers.hsts",
            "headers.csp",
            "team.window",
        }
        assert "⟳ STALE" in str(app.screen.query_one("#detail-text").render())
        row = next(r for r in app.screen.query(CriterionRow) if r.criterion_id == "ci.tests")
        assert "⟳5m" in str(row.render())
        calls = len(runner.calls)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "5 results are older than 5m" in str(app.screen.query_one(".dialog-text").render())
        await pilot.press("y")
        await settle(pilot)
        assert len(runner.calls) == calls + 5
        assert isinstance(app.screen, FinalizeModal)
        assert review.snapshot.stale == frozenset()


async def test_stale_results_decide_now(make_app: AppFactory, clock: FakeClock) -> None:
    app, runner = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        clock.advance(400)
        review_of(app).publish()
        calls = len(runner.calls)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, FinalizeModal)
        assert len(runner.calls) == calls


async def test_finalize_waits_for_running_probes(make_app: AppFactory) -> None:
    app, runner = make_app(hang={"headers.csp"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, hanging={"headers.csp"})
        await pilot.press("f")
        await settle(pilot, hanging={"headers.csp"})
        assert not isinstance(app.screen, FinalizeModal)
        assert any("Waiting for 1 probe" in n.message for n in app._notifications)
        runner.release("headers.csp")
        await settle(pilot)
        assert isinstance(app.screen, FinalizeModal)
        assert app.screen.evaluation.outcome("headers.csp").result is not None


async def test_finalize_does_not_pop_up_over_a_dialog_opened_while_it_waited(
    make_app: AppFactory, evidence: Path
) -> None:
    """`f` waits for a probe; meanwhile the operator types a note. The decision dialog once
    opened over the note when the probe ended, and "go ahead" recorded GO with its `g`."""
    app, runner = make_app(hang={"headers.csp"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, hanging={"headers.csp"})
        tick_all(app)
        await pilot.press("f", "n", *"db team says")
        runner.release("headers.csp")
        await finish(pilot)
        assert isinstance(app.screen, NoteModal)
        await pilot.press(*" go ahead", "enter")
        await pilot.pause()
        assert records(evidence, "*decision*") == []
        assert [e["text"] for e in journal_entries(app, "note")] == ["db team says go ahead"]
        assert any("press f to finalize" in n.message for n in app._notifications)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FinalizeModal)


async def test_a_record_that_cannot_be_written_says_so(
    make_app: AppFactory, evidence: Path, tmp_path: Path
) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        evidence.rename(tmp_path / "moved")
        evidence.write_text("not a folder")
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        assert not review_of(app).finalized
        await pilot.press("enter")
        assert not isinstance(app.screen, ErrorModal)


async def test_quit_asks_while_not_finalized(make_app: AppFactory) -> None:
    app, runner = make_app(hang={"headers.csp"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, hanging={"headers.csp"})
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        assert not isinstance(app.screen, ConfirmModal)
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
    assert app.return_code == 0
    assert runner.cancelled == ["headers.csp"], "quitting cancels the hanging probe"


async def test_override_dialog_fits_80x24_and_works_by_keyboard(
    make_app: AppFactory, evidence: Path
) -> None:
    app, _ = make_app({"ci.contract": FAIL, "headers.hsts": ERROR})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, OverrideModal)
        for selector in (
            "#override-cto", "#override-senior-1", "#override-senior-2",
            "#override-reason", "#override-risk", "#override",
        ):  # fmt: skip
            widget = modal.query_one(selector)
            assert widget.region.height > 0, selector
            assert Region(0, 0, 80, 24).contains_region(widget.region), selector
        # The keyboard alone: type in the focused field, tab to the next one.
        for text in ("Carol", "Dan", "Erin", "security fix must ship", "low: flagged"):
            await pilot.press(*(KEY_NAMES.get(char, char) for char in text))
            await pilot.press("tab")
        values = {f: modal.query_one(f"#{f}", Input).value for f in OverrideModal.FIELDS}
        assert values["override-reason"] == "security fix must ship"
        assert isinstance(app.focused, Button) and app.focused.id == "override"
        await pilot.press("enter")  # the focus is on the override button now
        await finish(pilot)
    (override,) = records(evidence, "emergency_override_*.txt")
    assert "Carol" in override.read_text() and "Erin" in override.read_text()


async def test_override_error_is_in_view_at_80x24(make_app: AppFactory) -> None:
    """The override's fields scroll at 80x24: the error below the last field was out of
    sight, and pressing enter seemed to do nothing."""
    app, _ = make_app({"ci.contract": FAIL, "headers.hsts": ERROR})
    async with app.run_test(size=(80, 24)) as pilot:
        await open_finalize(pilot, "o", ticks=False)
        modal = app.screen
        assert isinstance(modal, OverrideModal)
        await pilot.press(*"Carol", "enter", *"Dan", "enter", "enter", *"fix", "enter")
        await pilot.press(*"low", "enter")  # the second senior engineer is missing
        await pilot.pause()
        await pilot.pause()
        error = modal.query_one(".dialog-error")
        assert error.display and "needs a name" in str(error.render())
        fields = modal.query_one("#override-fields").content_region
        assert fields.contains_region(error.region)
        assert isinstance(app.screen, OverrideModal)  # nothing recorded, answers kept
        assert modal.query_one("#override-cto", Input).value == "Carol"


async def test_the_finalize_dialog_offers_the_choices_it_is_given(make_app: AppFactory) -> None:
    """Which choices a decision allows is the core's rule (`finalize_choices`): the dialog
    shows the buttons and takes the keys of the choices it is given, and no others."""
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        evaluation = review_of(app).snapshot.evaluation
        answers: list[FinalizeChoice | None] = []
        modal = FinalizeModal(evaluation, (FinalizeChoice.RECORD_NO_GO,), release="v2.0.0")
        app.push_screen(modal, answers.append)
        await pilot.pause()
        buttons = [button.id for button in modal.query(Button)]
        assert buttons == ["record-no-go", "cancel"]
        await pilot.press("g")  # the decision is GO, but GO was not given
        await pilot.pause()
        assert app.screen is modal and answers == []
        await pilot.press("n")
        await pilot.pause()
        assert answers == [FinalizeChoice.RECORD_NO_GO]
