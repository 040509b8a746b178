"""`gonogo review --serve`: a browser (Debian's headless Chromium) sees the poll advance as
the operator goes around the room in the terminal (tmux)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.demo.browser import HeadlessChromium
from tests.demo.test_serve import GONOGO, _accepts, served_url
from tests.servers import free_port, wait_until
from tests.ui.test_tmux import Tmux

CHECKLIST = """\
title: Served poll
sections:
  - id: db
    title: Database
    owner: {role: DBA, name: Alice Ng}
    criteria: [{id: db-ok, title: Database ready, manual: true}]
  - id: sec
    title: Security
    owner: {role: Security, name: Sam Roy}
    criteria: [{id: sec-ok, title: Headers ready, manual: true}]
  - id: ops
    title: Operations
    owner: {role: Ops, name: Olga Ivanova}
    criteria: [{id: ops-ok, title: On-call ready, manual: true}]
"""


@pytest.fixture
def meeting() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="gonogo-servepoll-", dir="/tmp"))
    (folder / "review.yaml").write_text(CHECKLIST, encoding="utf-8")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_browser_sees_the_poll_advance(meeting: Path) -> None:
    port = free_port()
    operator = Tmux(meeting)
    operator.start(f"{GONOGO} review review.yaml --evidence-dir evidence --serve 127.0.0.1:{port}")
    try:
        operator.wait_for("Served poll", "needs tick")
        wait_until(lambda: _accepts(port), timeout=15, message="the viewer server")
        url = served_url(operator)
        with HeadlessChromium() as chromium:

            async def watch() -> None:
                async with chromium.page() as page:
                    await page.goto(url)
                    await page.wait_for_text("READ-ONLY VIEW", "Served poll")
                    operator.keys("v")
                    operator.wait_for("POLL · owner 1 of 3")
                    operator.keys("g")  # the DBA says GO: the browser's poll opens
                    operator.wait_for("owner 2 of 3")
                    await page.wait_for_new_text("following the room", "SECURITY?", "Sam Roy")
                    operator.keys("g")
                    operator.wait_for("owner 3 of 3")
                    await page.wait_for_new_text("OPS?", "Olga Ivanova", "2 of 3 owners")

            asyncio.run(asyncio.wait_for(watch(), 60))
        operator.keys("Escape")
        operator.wait_for("Served poll", "needs tick")
        operator.keys("q")
        operator.wait_for("Quit without a decision?")
        operator.keys("y")
        wait_until(lambda: not operator.alive(), timeout=15, message="the operator's exit")
    finally:
        operator.run("kill-server", check=False)
