"""Sign-off in the review: after finalize, `f` collects approvers' signatures with real keys."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Select, Static
from textual.widgets._toast import Toast

from gonogo_tui.core.signing import approval_status
from gonogo_tui.ui.screens.sign_off import SignOffModal
from tests.ui.conftest import AppFactory, finish, settle, tick_all
from tests.ui.fakes import FAIL


async def signed(pilot: Pilot[Any]) -> None:
    """Wait for the dialog's signing worker (finalize itself waits for the dialog)."""
    workers = [w for w in pilot.app.workers if w.group == "sign-off:sign"]
    async with asyncio.timeout(30):
        await asyncio.gather(*(w.wait() for w in workers), return_exceptions=True)
    await pilot.pause()


def make_key(folder: Path, name: str) -> Path:
    key = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key


async def test_sign_a_no_go_record_from_the_review(
    make_app: AppFactory, evidence: Path, tmp_path: Path
) -> None:
    key = make_key(tmp_path, "dana")
    app, _ = make_app({"ci.contract": FAIL})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#nogo-action", Input).value = "fix the suite"
        app.screen.query_one("#nogo-next", Input).value = "2026-11-27 10:00"
        await pilot.click("#record")
        await finish(pilot)
        (txt,) = sorted(evidence.glob("no_go_decision_*.txt"))
        assert not approval_status(txt).satisfied
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, SignOffModal)
        status = str(app.screen.query_one("#sign-status", Static).render())
        assert "waiting for signatures" in status
        await pilot.press("ctrl+s")  # nothing filled in: refused with a reason
        await pilot.pause()
        assert "principal" in str(app.screen.query_one(".dialog-error").render())
        app.screen.query_one("#sign-role", Select).value = "devops-lead"
        app.screen.query_one("#sign-principal", Input).value = "dana@example.com"
        app.screen.query_one("#sign-key", Input).value = str(key)
        await pilot.press("ctrl+s")
        await signed(pilot)
        modal = app.screen
        assert isinstance(modal, SignOffModal)
        (signature,) = modal.signed
        assert signature.exists() and signature.name.endswith(".sig")
        assert "approvals complete" in str(modal.query_one("#sign-status", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SignOffModal)
    status_after = approval_status(txt)
    assert status_after.satisfied and status_after.missing == ()


async def test_a_bad_key_is_an_error_in_the_dialog(
    make_app: AppFactory, evidence: Path, tmp_path: Path
) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("g")
        await finish(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, SignOffModal)
        app.screen.query_one("#sign-principal", Input).value = "carol@example.com"
        app.screen.query_one("#sign-key", Input).value = str(tmp_path / "no-such-key")
        await pilot.press("ctrl+s")
        await signed(pilot)
        error = str(app.screen.query_one(".dialog-error").render())
        assert error and "no-such-key" in error
        assert isinstance(app.screen, SignOffModal) and app.screen.signed == []


async def test_sign_off_fits_80x24(make_app: AppFactory) -> None:
    """At 80x24 the comment field, the error line and the Sign and Done buttons were below
    the dialog's edge: "Which key?" could not be read."""
    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("g")
        await finish(pilot)
        await pilot.press("f")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, SignOffModal)
        assert app.focused is modal.query_one("#sign-principal", Input)
        await pilot.press(*"carol", "ctrl+s")  # no key given: refused with a reason
        await pilot.pause()
        await pilot.pause()
        dialog = modal.query_one(".dialog").content_region
        error = modal.query_one(".dialog-error")
        assert "Which key?" in str(error.render())
        assert dialog.contains_region(error.region)
        for selector in ("#sign", "#done"):
            assert dialog.contains_region(modal.query_one(selector).region), selector
        await pilot.press("tab", "tab")  # key, comment: each scrolled into view
        await pilot.pause()
        comment = modal.query_one("#sign-comment", Input)
        assert app.focused is comment
        assert dialog.contains_region(comment.region)


async def test_at_80x24_the_status_stays_in_view_and_no_toast_covers_the_buttons(
    make_app: AppFactory, tmp_path: Path
) -> None:
    """The status lines (who signed, what is missing) scrolled away for the focused field,
    and the finalize's toast ("Press f to collect signatures") covered Sign and Done."""
    key = make_key(tmp_path, "dana")
    app, _ = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("g")
        await finish(pilot)
        assert list(app._notifications)  # "GO recorded: ... Press f to collect signatures."
        await pilot.press("f")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, SignOffModal)
        assert not list(app._notifications)
        modal.query_one("#sign-principal", Input).value = "dana@example.com"
        modal.query_one("#sign-key", Input).value = str(key)
        await pilot.press("ctrl+s")
        await signed(pilot)
        await pilot.pause()
        body = modal.query_one(".dialog-body")
        assert body.max_scroll_y == 0  # everything in view, nothing scrolled away
        dialog = modal.query_one(".dialog").content_region
        status = modal.query_one("#sign-status", Static)
        assert "✔ cto: dana@example.com" in str(status.render())
        assert dialog.contains_region(status.region)
        assert "Signed as cto" in str(modal.query_one("#sign-done", Static).render())
        assert dialog.contains_region(modal.query_one("#sign-done").region)
        assert not list(app._notifications)  # said in the dialog, not in a toast
        app.notify("Something else happened meanwhile, said in a toast of a few lines.")
        for _ in range(20):  # the toast rack is refreshed after the notification's message
            if modal.query(Toast):
                break
            await pilot.pause(0.05)
        (toast,) = modal.query(Toast)
        for selector in ("#sign", "#done"):
            assert not toast.region.overlaps(modal.query_one(selector).region), selector


async def test_one_person_cannot_sign_in_two_roles(
    make_app: AppFactory, evidence: Path, tmp_path: Path
) -> None:
    """The dialog applies gonogo verify's rule as each signature arrives: it accepted a
    second signature by the same person in another role, and the role list went blank."""
    key = make_key(tmp_path, "dana")
    app, _ = make_app({"ci.contract": FAIL})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tick_all(app)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#nogo-action", Input).value = "fix the suite"
        app.screen.query_one("#nogo-next", Input).value = "2026-11-27 10:00"
        await pilot.click("#record")
        await finish(pilot)
        await pilot.press("f")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, SignOffModal)
        for role in ("devops-lead", "cto"):
            modal.query_one("#sign-role", Select).value = role
            modal.query_one("#sign-principal", Input).value = "Dana@example.com"
            modal.query_one("#sign-key", Input).value = str(key)
            await pilot.press("ctrl+s")
            await signed(pilot)
        assert len(modal.signed) == 1
        error = str(modal.query_one(".dialog-error").render())
        assert "Not signed: dana@example.com signs as both cto and devops-lead" in error
        status = str(modal.query_one("#sign-status", Static).render())
        assert "approvals complete" in status
        assert "dana@example.com" in status.casefold()
    (txt,) = sorted(evidence.glob("no_go_decision_*.txt"))
    assert approval_status(txt).satisfied
