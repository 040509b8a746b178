"""The waiver dialog (who grants it, in which role, until when) and a waiver carried from
one meeting's record into the next, shown as carried, revocable, or lapsed."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Label, Select

from gonogo_tui.ui.screens.modals import ConfirmModal
from gonogo_tui.ui.screens.waiver_dialog import WaiverModal
from gonogo_tui.ui.widgets.criterion_row import CriterionRow
from tests.ui.conftest import (
    AppFactory,
    finish,
    journal_entries,
    review_of,
    settle,
    shown_text,
    tick_all,
)
from tests.ui.fakes import FAIL, FakeClock

CID = "ci.contract"


async def _fill(modal: WaiverModal, approver: str, role: str, expiry: str) -> None:
    modal.query_one("#waiver-approver", Input).value = approver
    modal.query_one("#waiver-role", Select).value = role
    modal.query_one("#waiver-expiry", Input).value = expiry


def _error(modal: WaiverModal) -> str:
    label = modal.query_one(".dialog-error", Label)
    return str(label.render()) if label.display else ""


def _row_text(app: object, cid: str = CID) -> str:
    review = review_of(app)  # type: ignore[arg-type]
    row = next(r for r in review.query(CriterionRow) if r.criterion_id == cid)
    return row.view.value


async def test_the_dialog_refuses_a_role_and_an_expiry_the_policy_does_not_allow(
    make_app: AppFactory,
) -> None:
    app, _ = make_app({CID: FAIL})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        modal = app.screen
        assert isinstance(modal, WaiverModal)
        # prefilled: the operator, the role that may grant it, the policy's default expiry
        assert modal.query_one("#waiver-approver", Input).value == "alice"
        assert modal.query_one("#waiver-role", Select).value == "cto"
        assert modal.query_one("#waiver-expiry", Input).value == "1 release"
        assert modal.ask.roles[0] == "cto" and "devops-lead" in modal.ask.roles
        await pilot.press(*"flaky runner")
        await _fill(modal, "dave", "devops-lead", "3 releases")
        await pilot.press("enter")
        assert app.screen is modal
        assert (
            _error(modal) == "devops-lead may not grant a waiver of ci.contract (granted by: cto)"
        )
        await _fill(modal, "carol", "cto", "2099-01-01")
        await pilot.press("enter")
        assert app.screen is modal and "at most 90 days ahead" in _error(modal)
        await _fill(modal, "carol", "cto", "sometime")
        await pilot.press("enter")
        assert app.screen is modal and "'sometime' is not an expiry" in _error(modal)
        await _fill(modal, "carol", "cto", "4 releases")
        await pilot.press("enter")
        assert app.screen is modal and "at most 3 releases" in _error(modal)
        assert review_of(app).journal.state.waivers == {}
        await _fill(modal, "carol", "cto", "3 releases")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, WaiverModal)
        (entry,) = journal_entries(app, "waiver")
        assert {k: entry[k] for k in ("approver", "role", "releases", "reason", "operator")} == {
            "approver": "carol",
            "role": "cto",
            "releases": 3,
            "reason": "flaky runner",
            "operator": "alice",
        }
        assert _row_text(app) == "waived by carol (cto), for 3 releases: flaky runner"


async def _meeting(
    make_app: AppFactory,
    clock: FakeClock,
    release: str,
    expiry: str,
    *,
    revoke: bool = False,
) -> tuple[str, str]:
    """One meeting on `release`: the CTO waives ci.contract (if it is not carried), GO is
    recorded. Returns the row's text at the start, and the journal's `carried` lines."""
    app, _ = make_app({CID: FAIL}, release=release)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.pause()
        at_start = _row_text(app)
        carried = journal_entries(app, "carried")
        if revoke:
            await pilot.press("w")
            assert isinstance(app.screen, ConfirmModal)
            await pilot.press("y")
            await pilot.pause()
            assert journal_entries(app, "unwaive")
        if not review_of(app).journal.state.waivers:
            await pilot.press("w")
            modal = app.screen
            assert isinstance(modal, WaiverModal)
            await pilot.press(*"CDN sets HSTS")
            modal.query_one("#waiver-expiry", Input).value = expiry
            await pilot.press("enter")
            await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("g")
        await finish(pilot)
    clock.advance(86400)
    return at_start, str(carried)


async def test_a_waiver_is_carried_into_the_next_meeting_while_valid(
    make_app: AppFactory, clock: FakeClock, evidence: Path
) -> None:
    first, carried = await _meeting(make_app, clock, "v1", "2 releases")
    assert "waived" not in first and carried == "[]"
    again, carried = await _meeting(make_app, clock, "v1", "2 releases")  # decided again
    assert again == "waived (carried from v1, 1 of 2 releases) by alice (cto): CDN sets HSTS"
    second, carried = await _meeting(make_app, clock, "v2", "2 releases")
    assert second == (
        "waived (carried from v1, 2 of 2 releases) by alice (cto): CDN sets HSTS"
        " · 2nd release in a row waiving ci.contract"
    )
    assert "'role': 'cto'" in carried and "'nth': 2" in carried
    third, _ = await _meeting(make_app, clock, "v3", "1 release")
    assert third.startswith("waiver expired after 2 releases · "), third
    fourth, _ = await _meeting(make_app, clock, "v4", "1 release")
    assert fourth.startswith("waiver expired after 1 release · "), fourth
    records = sorted(evidence.glob("go_decision_*.txt"))
    assert len(records) == 5
    assert "4th release in a row waiving ci.contract" in records[-1].read_text()


async def test_a_carried_waiver_can_be_revoked_and_is_then_not_carried(
    make_app: AppFactory, clock: FakeClock
) -> None:
    await _meeting(make_app, clock, "v1", "3 releases")
    second, _ = await _meeting(make_app, clock, "v2", "1 release", revoke=True)
    assert second.startswith("waived (carried from v1, 2 of 3 releases)"), second
    third, _ = await _meeting(make_app, clock, "v3", "1 release")
    assert third.startswith("waiver expired after 1 release"), third


async def test_a_broken_ledger_carries_nothing_and_says_so(
    make_app: AppFactory, evidence: Path
) -> None:
    evidence.mkdir(parents=True)
    (evidence / "ledger.jsonl").write_text('{"not": "a ledger line"}\n')
    app, _ = make_app({CID: FAIL})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = [str(n.message) for n in app._notifications]
        assert any(m.startswith("Waivers not carried: ") for m in shown), shown
        assert review_of(app).journal.state.waivers == {}
        assert not journal_entries(app, "carried")


async def test_a_refusal_is_read_whole_at_80x24(make_app: AppFactory) -> None:
    app, _ = make_app({CID: FAIL})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("w", *"flaky")
        modal = app.screen
        assert isinstance(modal, WaiverModal)
        await _fill(modal, "dave", "senior-engineer", "1 release")
        await pilot.press("enter")
        await pilot.pause()
        shown = " ".join(shown_text(modal.query_one(".dialog-error", Label)).split())
        assert shown == (
            "senior-engineer may not grant a waiver of ci.contract (granted by: cto)"
        ), shown
        assert modal.query_one("#waive").region.bottom <= 24
