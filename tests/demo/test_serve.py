"""`gonogo review --serve`: attendees watch in a browser (Debian's headless Chromium), the
operator's terminal (tmux) alone changes the meeting, and quitting ends every viewer."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest

from tests.demo.browser import HeadlessChromium, png_size
from tests.demo.leaks import mentioning
from tests.servers import free_port, wait_until
from tests.ui.test_tmux import Tmux

GONOGO = Path(sys.executable).parent / "gonogo"
CHECKLIST = """\
title: Served review
sections:
  - id: people
    title: People
    criteria:
      - id: stakeholders
        title: Stakeholders notified
        manual: true
      - id: readme
        title: Checklist file present
        probe: {kind: file, path: review.yaml}
"""


@pytest.fixture
def meeting() -> Iterator[Path]:
    # Under /tmp, not tmp_path: the tmux server and the served viewers run from here.
    folder = Path(tempfile.mkdtemp(prefix="gonogo-servetest-", dir="/tmp"))
    (folder / "review.yaml").write_text(CHECKLIST, encoding="utf-8")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def served_url(operator: Tmux) -> str:
    """The URL `--serve` printed before the review took the screen, its token included
    (tmux keeps the screen the review's alternate screen covers)."""
    for line in operator.run("capture-pane", "-a", "-p", "-t", "review").splitlines():
        if "attendees follow" in line:
            return line.split(" at ", 1)[1].split()[0]
    raise AssertionError("--serve printed no URL")


def test_browsers_follow_the_operator_read_only(meeting: Path, tmp_path: Path) -> None:
    port = free_port()
    journal_dir = meeting / "evidence"
    operator = Tmux(meeting)
    operator.start(f"{GONOGO} review review.yaml --evidence-dir evidence --serve 127.0.0.1:{port}")
    try:
        operator.wait_for("Served review", "needs tick")
        wait_until(lambda: _accepts(port), timeout=15, message="the viewer server")
        url = served_url(operator)
        assert url.startswith(f"http://127.0.0.1:{port}/?token=")
        # The review's screen covers what was printed: it says the URL again.
        start = url.split("token=", 1)[1][:8]  # the toast wraps the rest
        operator.wait_for("Attendees follow the review", f"127.0.0.1:{port}/?token={start}")
        page_html = httpx.get(url, trust_env=False, timeout=5)
        assert page_html.status_code == 200
        assert "gonogo: GO/NO-GO review (read-only)" in page_html.text
        # Nothing is fetched from the internet (textual-serve's own page asks Google Fonts).
        assert "https://" not in page_html.text and "googleapis" not in page_html.text
        with HeadlessChromium() as chromium:
            first, after_tick = tmp_path / "viewer.png", tmp_path / "viewer-go.png"
            asyncio.run(
                asyncio.wait_for(
                    _watch(chromium, url, operator, journal_dir, first, after_tick), 60
                )
            )
            assert png_size(first) == png_size(after_tick)
            assert png_size(first)[0] == 1280
            assert first.read_bytes() != after_tick.read_bytes()
            profile = str(chromium.profile)
        operator.keys("q")
        operator.wait_for("Quit without a decision?")
        operator.keys("y")
        wait_until(lambda: not operator.alive(), timeout=15, message="the operator's exit")
        wait_until(lambda: not _accepts(port), timeout=5, message="the viewer server gone")
        wait_until(
            lambda: not mentioning(str(meeting)) and not mentioning(profile),
            timeout=5,
            message="no viewer or browser process left",
        )
    finally:
        operator.run("kill-server", check=False)


async def _watch(
    chromium: HeadlessChromium,
    url: str,
    operator: Tmux,
    journal_dir: Path,
    first: Path,
    after_tick: Path,
) -> None:
    async with chromium.page() as page:
        await page.goto(url)
        await page.wait_for_text("READ-ONLY VIEW", "Served review", "Checklist file present")
        await page.screenshot(first)
        (journal,) = journal_dir.glob("journal_*.jsonl")
        lines_before = journal.read_bytes().count(b"\n")

        # An attendee's keys: space would tick in the operator's terminal; here it is not
        # bound, and `?` (help) shows that the keys before it were handled.
        await page.press(" ")
        await page.press("?")
        await page.wait_for_new_text("Help")
        assert "Tick stakeholders" not in page.text
        assert journal.read_bytes().count(b"\n") == lines_before
        await page.press("q")  # closes help, not the view (escape would, too)

        # The operator ticks: the attendee's screen follows.
        operator.keys("Space")
        operator.wait_for("Tick stakeholders")
        operator.keys("Enter")
        operator.wait_for("1/1 sections GO")
        await page.wait_for_new_text("1/1 sections GO")
        await page.screenshot(after_tick)
        assert journal.read_bytes().count(b"\n") == lines_before + 1


@pytest.mark.parametrize("ending", ["SIGKILL", "SIGHUP"])
def test_viewers_end_with_the_operator_however_it_ends(meeting: Path, ending: str) -> None:
    """SIGHUP (a closed terminal) runs the clean-up; after SIGKILL the server notices."""
    port = free_port()
    operator = Tmux(meeting)
    operator.start(
        f"exec {GONOGO} review review.yaml --evidence-dir evidence --serve 127.0.0.1:{port}"
    )
    try:
        operator.wait_for("Served review")
        wait_until(lambda: _accepts(port), timeout=15, message="the viewer server")
        token = served_url(operator).split("token=", 1)[1]
        asyncio.run(_one_viewer(port, token, meeting, ending, operator))
        wait_until(
            lambda: not _accepts(port) and not mentioning(str(meeting)),
            timeout=10,
            message="server and viewers gone",
        )
    finally:
        operator.run("kill-server", check=False)


async def _one_viewer(port: int, token: str, meeting: Path, ending: str, operator: Tmux) -> None:
    url = f"ws://127.0.0.1:{port}/ws/{token}?width=100&height=30"
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url, origin=f"http://127.0.0.1:{port}") as ws:
            received = b""
            while b"READ-ONLY VIEW" not in received:
                message = await asyncio.wait_for(ws.receive(), 20)
                if message.type == aiohttp.WSMsgType.BINARY:
                    received += message.data
            viewers = [
                cmd
                for cmd in mentioning(str(meeting)).values()
                if "gonogo_tui view" in cmd and "viewer_server" not in cmd
            ]
            assert viewers, "a viewer process for this browser"
            (pane,) = operator.run("list-panes", "-F", "#{pane_pid}").split()
            os.kill(int(pane), getattr(signal, ending))
