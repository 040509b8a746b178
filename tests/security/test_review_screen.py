"""`gonogo review` in a real terminal (tmux) shows no planted secret, nor does its journal.

The detail pane, full screen (`d`), shows the criterion's detail and the server's echo of
the request: a 96-character Bearer token (cut at 80 before the fix) and Basic credentials.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.leaks import leaks
from tests.security.test_secret_matrix import echo, planted
from tests.servers import LOCALHOST, HttpTestServer
from tests.ui.test_tmux import Tmux

GONOGO = Path(sys.executable).parent / "gonogo"

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    session = Tmux(tmp_path)
    yield session
    session.kill()


@pytest.fixture
def echo_server() -> Iterator[HttpTestServer]:
    server = HttpTestServer()
    server.start()
    server.route("*", "*", handler=echo)
    try:
        yield server
    finally:
        server.stop()


def test_the_review_screen_and_journal_hide_the_secret(
    tmux: Tmux, tmp_path: Path, echo_server: HttpTestServer
) -> None:
    secret = planted(96)
    port = echo_server.url.rsplit(":", 1)[1]
    checklist = tmp_path / "review.yaml"
    checklist.write_text(
        f"""\
title: Secret on screen
variables:
  TOKEN: {{secret: true}}
sections:
  - id: web
    title: Web
    criteria:
      - id: bearer
        title: Bearer echoed
        probe:
          kind: http
          url: "http://user:${{TOKEN}}@{LOCALHOST}:{port}/echo"
          headers: {{X-Api-Token: "${{TOKEN}}"}}
          header_matches: {{X-Echo-Auth: "^nomatch$"}}
"""
    )
    (tmp_path / "token.env").write_text(secret)
    evidence = tmp_path / "evidence"
    tmux.start(
        f'TOKEN="$(cat {tmp_path / "token.env"})" {GONOGO} review {checklist} '
        f"--evidence-dir {evidence} --operator tester"
    )
    first = tmux.wait_for("probes 1/1", "Bearer echoed", "Detail")
    tmux.keys("d")
    screen = tmux.wait_for("x-echo-url: /echo")  # the output: the echoed response headers
    for shown in (first, screen):
        assert not leaks(shown, secret), shown
    assert "Basic ***" in screen, screen
    tmux.keys("d")
    tmux.wait_for("Bearer echoed")
    journals = [p for p in evidence.rglob("*") if p.is_file()]
    assert journals, "the review keeps a journal"
    for journal in journals:
        assert not leaks(journal.read_text(errors="replace"), secret), journal
    assert os.environ.get("TOKEN") != secret
