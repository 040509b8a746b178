"""The review with hostile probe output and planted secrets: the screen and the journal
show the text literally (never as markup or terminal sequences) and never the secrets."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from rich.console import Console

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.ui.app import GonogoApp
from gonogo_tui.ui.looks import OUTPUT_CHARS, OUTPUT_LINES
from gonogo_tui.ui.widgets.detail_pane import DetailPane
from tests.servers import HttpTestServer
from tests.ui.conftest import settle

TOKEN = "ghp_tuiPlantedToken1234567890"
HOSTILE = "[bold red]pwned[/] \x1b[2J\x1b]52;c;Y2xpcGJvYXJk\x07 \x00nul"


async def test_screen_and_journal_are_safe(http_server: HttpTestServer, tmp_path: Path) -> None:
    http_server.route(
        "GET",
        "/hostile",
        status=500,
        headers={"X-Echo": f"token {TOKEN}"},
        body=f"{HOSTILE} you sent {TOKEN}",
    )
    path = tmp_path / "c.yaml"
    path.write_text(
        f"""\
title: hostile review
variables:
  GITHUB_TOKEN: {{default: "{TOKEN}", secret: true}}
sections:
  - id: web
    title: Web
    criteria:
      - id: hostile
        title: Hostile server
        probe: {{kind: http, url: "{http_server.url}/hostile", headers: {{Authorization: "token ${{GITHUB_TOKEN}}"}}, body_contains: ['^calm']}}
      - id: people
        title: People
        manual: true
"""
    )
    checklist = load_checklist(path, environ={})
    runner = ProbeRunner.for_checklist(checklist, root=tmp_path, retry_backoff=0)
    evidence = tmp_path / "evidence"
    app = GonogoApp(checklist, runner, evidence_dir=evidence, operator="alice", resume=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(DetailPane)
        pane.scroll_end(animate=False)
        await pilot.pause()
        screen_text = app.export_screenshot()
        await pilot.press("q")
        await pilot.pause()
    assert TOKEN not in screen_text
    assert "pwned" in screen_text  # the output is on screen, shown literally
    assert "\x1b[2J" not in screen_text and "\x07" not in screen_text
    journal_text = "".join(p.read_text() for p in evidence.rglob("*.jsonl"))
    assert journal_text, "the probe result was journaled"
    assert TOKEN not in journal_text
    for line in journal_text.splitlines():
        json.loads(line)
    assert http_server.requests[0].headers["authorization"] == f"token {TOKEN}"


async def test_huge_output_is_capped_in_the_detail_pane(tmp_path: Path) -> None:
    """A command printing 20,000 lines of 100 characters (2 MB): the engine keeps its cap,
    and the detail pane shows at most OUTPUT_LINES lines and says what it left out."""
    path = tmp_path / "c.yaml"
    path.write_text(
        f"""\
title: huge output
sections:
  - id: local
    title: Local
    criteria:
      - id: chatty
        title: Chatty command
        probe:
          kind: command
          command: ["{sys.executable}", "-c", "print(('x' * 99 + chr(10)) * 20000, end='')"]
          exit_code: 1
"""
    )
    checklist = load_checklist(path, environ={})
    runner = ProbeRunner.for_checklist(checklist, root=tmp_path, retry_backoff=0)
    app = GonogoApp(checklist, runner, evidence_dir=tmp_path / "ev", operator="a", resume=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        static = app.screen.query_one("#detail-text")
        console = Console(record=True, width=200, file=io.StringIO())
        console.print(static.render())
        shown = console.export_text()
        await pilot.press("q")
        await pilot.pause()
    assert "output capped" in shown
    assert shown.count("x" * 99) <= OUTPUT_LINES
    assert len(shown) < OUTPUT_CHARS + 4000  # the cap plus the pane's other fields
