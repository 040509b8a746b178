"""The poll in the review: one owner at a time, one key per answer, objections and the
CTO's overrule, every answer in the journal (and back after a resume), offered at finalize,
and the sign-off dialog refusing the deployer's approval of their own release."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.evaluation import Decision, SectionStatus
from gonogo_tui.core.poll import Answer
from gonogo_tui.ui.screens.finalize import FinalizeModal
from gonogo_tui.ui.screens.modals import ConfirmModal
from gonogo_tui.ui.screens.poll import PollScreen
from gonogo_tui.ui.screens.poll_ask import AskModal
from gonogo_tui.ui.screens.sign_off import SignOffModal
from tests.ui.conftest import (
    SMALL_YAML,
    AppFactory,
    finish,
    journal_entries,
    review_of,
    settle,
    shown_text,
    tick_all,
)
from tests.ui.test_sign_off import signed


@pytest.fixture
def quorum() -> str | None:
    """The policy's quorum (a test parametrizes `quorum` to change it)."""
    return "all"


@pytest.fixture
def plain_owner() -> bool:
    """Whether Team Readiness names its owner as a plain string (`owner: CI`, the role that
    owns CI/CD Pipeline too)."""
    return False


@pytest.fixture
def checklist(tmp_path: Path, quorum: str | None, plain_owner: bool) -> Checklist:
    """The small checklist, each section with an owner; the deployer may not approve."""
    text = SMALL_YAML.read_text()
    for section, owner in (
        ("title: CI/CD Pipeline", "{role: CI, name: Cora}"),
        ("title: Security Headers", "{role: Security, name: Sam Roy}"),
        ("title: Team Readiness", "CI" if plain_owner else "{role: Ops, name: Olga}"),
    ):
        text = text.replace(section, f"{section}\n    owner: {owner}")
    text = text.replace(
        "release: v2.0.0\n",
        "release: v2.0.0\ndeployer: {role: Deployer, name: Dee, principal: dee@example.com}\n"
        f"policy:\n  quorum: {quorum or 'null'}\n  no_self_approval: true\n",
    )
    path = tmp_path / "owners.yaml"
    path.write_text(text)
    return load_checklist(path, environ={})


def poll_text(app: object) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, PollScreen)
    return "\n".join(
        str(screen.query_one(f"#poll-{part}", Static).render())
        for part in ("title", "owner", "section", "answer", "roll")
    )


async def test_poll_three_owners_by_keyboard_with_an_objection_and_an_overrule(
    make_app: AppFactory,
) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        session = review_of(app).session
        await pilot.press("v")
        await pilot.pause()
        text = poll_text(app)
        assert "POLL · owner 1 of 3 · quorum NOT met, 3 needed: 0 of 3 owners answered" in text
        assert "CI?\nCora" in text and "○ not asked yet" in text
        await pilot.press("g")  # CI: GO, on to Security
        await pilot.pause()
        assert "SECURITY?\nSam Roy" in poll_text(app)
        await pilot.press("n")  # NO-GO asks for the reason; empty is refused in place
        await pilot.pause()
        assert isinstance(app.screen, AskModal)
        await pilot.press("enter")
        await pilot.pause()
        assert "Reason is required." in str(app.screen.query_one(".dialog-error").render())
        await pilot.press(*"HSTS is short", "enter")
        await pilot.pause()
        # Every probe of Security passes: the NO-GO is an objection, the section NO-GO.
        headers = session.snapshot.evaluation.sections[1]
        assert headers.status is SectionStatus.NO_GO and headers.objection == "HSTS is short"
        assert session.snapshot.evaluation.decision is Decision.REVIEW
        assert "OPS?\nOlga" in poll_text(app)
        await pilot.press("a")  # absent, with a stand-in who then abstains
        await pilot.pause()
        await pilot.press(*"Bea", "enter")
        await pilot.pause()
        assert "Bea standing in for Olga (absent)" in poll_text(app)
        await pilot.press("x")
        await pilot.pause()
        text = poll_text(app)
        assert "quorum met: 3 of 3 owners answered (policy: all)" in text
        await pilot.press("left")  # back to Security: the objection, and o overrules it
        await pilot.pause()
        assert "OBJECTION: the section is NO-GO unless the CTO overrules it (o)" in poll_text(app)
        await pilot.press("o")
        await pilot.pause()
        await pilot.press(*"Carol", "enter", *"preload ships Monday", "enter")
        await pilot.pause()
        assert "OBJECTION overruled by Carol (CTO): preload ships Monday" in poll_text(app)
        assert session.snapshot.evaluation.decision is Decision.GO
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, PollScreen)
    answers = journal_entries(app, "poll-answer")
    assert [(a["section_id"], a["answer"], a["reason"], a["stand_in"]) for a in answers] == [
        ("ci", "GO", "", ""),
        ("headers", "NO-GO", "HSTS is short", ""),
        ("team", "ABSENT", "", "Bea"),
        ("team", "ABSTAIN", "", "Bea"),
    ]
    (overrule,) = journal_entries(app, "poll-overrule")
    assert (overrule["by"], overrule["reason"]) == ("Carol", "preload ships Monday")


async def test_answers_come_back_after_a_resume_and_land_in_the_record(
    make_app: AppFactory, evidence: Path
) -> None:
    first, _ = make_app()
    async with first.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v", "g", "n")
        await pilot.pause()
        await pilot.press(*"no pen test", "enter")
        await pilot.pause()
    second, _ = make_app(resume=True)
    async with second.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(second)
        poll = review_of(second).session.poll
        assert {k: a.answer for k, a in poll.answers().items()} == {
            "ci": Answer.GO,
            "headers": Answer.NO_GO,
        }
        await pilot.press("v")  # opens on the first owner not asked yet
        await pilot.pause()
        assert "OPS?\nOlga" in poll_text(second)
        await pilot.press("g", "escape", "f")
        await pilot.pause()
        await pilot.press("n")  # REVIEW by the objection: record NO-GO
        await pilot.pause()
        second.screen.query_one("#nogo-action", Input).value = "pen test"
        second.screen.query_one("#nogo-next", Input).value = "Monday"
        await pilot.click("#record")
        await finish(pilot)
    (txt,) = sorted(evidence.glob("no_go_decision_*.txt"))
    text = txt.read_text()
    assert "Poll (quorum met: 3 of 3 owners answered (policy: all)):\n- OBJECTION headers" in text
    assert "- team (Ops: Olga): GO at" in text


async def test_finalize_offers_the_poll_when_an_owner_was_not_asked(
    make_app: AppFactory,
) -> None:
    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("f")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ConfirmModal)
        said = str(modal.query_one(".dialog-text", Static).render())
        assert "3 of 3 section owners not asked yet" in said
        assert "gonogo verify refuses a GO short of the quorum" in said
        await pilot.press("y")
        await finish(pilot)
        assert isinstance(app.screen, PollScreen)
        text = shown_text(app.screen.query_one("#poll-owner"))
        assert "CI?" in text and "Cora" in text


@pytest.mark.parametrize("quorum", [None])
async def test_finalize_offers_the_poll_once_when_no_quorum_is_required(
    make_app: AppFactory,
) -> None:
    """Declining the poll ("Decide now") is remembered: the next `f` goes straight to the
    finalize dialog (a quorum not met would ask every time: verify refuses such a GO)."""
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        said = str(app.screen.query_one(".dialog-text", Static).render())
        assert "3 of 3 section owners not asked yet" in said and "refuses" not in said
        await pilot.press("n")  # decide now: the finalize dialog
        await pilot.pause()
        assert isinstance(app.screen, FinalizeModal)
        await pilot.press("escape")
        await finish(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FinalizeModal), type(app.screen).__name__


async def test_the_sign_off_dialog_refuses_the_deployer(
    make_app: AppFactory, evidence: Path, tmp_path: Path
) -> None:
    key = tmp_path / "dee"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("v", "g", "g", "g", "escape", "f")
        await pilot.pause()
        await pilot.press("g")
        await finish(pilot)
        await pilot.press("f")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, SignOffModal)
        modal.query_one("#sign-role", Select).value = "devops-lead"
        modal.query_one("#sign-principal", Input).value = "Dee@Example.com"
        modal.query_one("#sign-key", Input).value = str(key)
        await pilot.press("ctrl+s")
        await signed(pilot)
        error = str(modal.query_one(".dialog-error").render())
        assert "dee@example.com deploys this release and cannot approve it" in error.casefold()
        assert modal.signed == []
    assert not list(evidence.glob("*devops-lead*"))


def test_the_roll_breaks_between_owners_never_inside_one() -> None:
    from gonogo_tui.ui.screens.poll import roll_lines

    items = [" ✔ DBA", " ✘ Monitoring", "▶○ Security", " ○ Support"]
    assert roll_lines(items, 30) == " ✔ DBA   ✘ Monitoring\n▶○ Security   ○ Support"
    assert roll_lines(items, 200).count("\n") == 0


@pytest.mark.parametrize("plain_owner", [True])
async def test_a_plain_string_owner_is_the_role_asked_and_its_card_names_the_section(
    make_app: AppFactory,
) -> None:
    """`owner: CI` is asked as CI? (not ten identical "OWNER?" cards and roll entries), the
    card's second line naming the section."""
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("v", "g", "g")  # CI and Security answer: on to Team Readiness
        await pilot.pause()
        text = poll_text(app)
        assert "CI?\nTeam Readiness" in text, text
        assert "Owner" not in text
        # One role owning two sections: the roll says which is which.
        assert "✔ CI (1)" in text and "▶○ CI (3)" in text, text


async def test_the_card_of_a_section_go_by_a_waiver_says_so(make_app: AppFactory) -> None:
    """A section GO only because of a waiver is not "every criterion passes": its owner is
    told, and may object."""
    from tests.ui.fakes import FAIL

    app, _ = make_app({"headers.hsts": FAIL})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        review_of(app).session.waive("headers.hsts", "CDN sets HSTS in front")
        await pilot.press("v", "g")  # CI answers: on to Security Headers
        await pilot.pause()
        text = poll_text(app)
        assert "SECURITY?" in text
        assert "every criterion passes but 1 waived (the owner may object)" in text, text


async def test_the_owner_asked_is_the_section_discussed(make_app: AppFactory) -> None:
    """The poll journals the section whose owner it asks (`focus`): the agenda's clock runs
    for it, and attendees' views show that owner as the one being asked."""
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        session = review_of(app).session
        await pilot.press("v")
        await pilot.pause()
        assert session.journal.state.focus[-1][0] == "ci"
        await pilot.press("g")  # CI answers: on to Security Headers
        await pilot.pause()
        assert session.journal.state.focus[-1][0] == "headers"
        await pilot.press("left")  # back to CI
        await pilot.pause()
        assert session.journal.state.focus[-1][0] == "ci"
