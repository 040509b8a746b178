"""`gonogo review` and `gonogo view` when their terminal goes away (`tmux kill-server`: SIGHUP,
then SIGCONT, then end-of-file on every read): each exits by itself, the review with its
journal closed and kept. (`gonogo demo`: tests/demo/test_demo_command.py.)"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.ui.test_tmux import DEADLINE, GONOGO, Tmux, running

CHECKLIST = """\
title: Hangup review
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


@pytest.mark.parametrize(
    ("command", "shell"),
    [
        ("review", "exec"),
        # A shell script's `trap '' HUP` is inherited: the review read end-of-file from the
        # dead terminal in a loop, a core busy, forever.
        ("review", "trap '' HUP; exec"),
        ("view", "exec"),
    ],
    ids=["review", "review-sighup-ignored", "view"],
)
def test_a_terminal_that_goes_away_ends_the_process(
    tmp_path: Path, command: str, shell: str
) -> None:
    (tmp_path / "review.yaml").write_text(CHECKLIST, encoding="utf-8")
    terminal = Tmux(tmp_path)
    pid = 0
    try:
        if command == "view":  # a review to follow: its journal
            terminal.start(
                f"exec {GONOGO} review review.yaml --evidence-dir evidence --operator kim"
            )
            terminal.wait_for("Hangup review", "probes 1/1")
            terminal.keys("Space")
            terminal.wait_for("Tick stakeholders")
            terminal.keys("Enter")
            terminal.wait_for("by kim")
        operator = " --operator kim" if command == "review" else ""
        terminal.start(f"{shell} {GONOGO} {command} review.yaml --evidence-dir evidence{operator}")
        terminal.wait_for("Hangup review", "probes 1/1")
        pid = terminal.pane_pid()
        if command == "review":
            terminal.keys("Space")
            terminal.wait_for("Tick stakeholders")
            terminal.keys("-l", "said on the call")
            terminal.keys("Enter")
            terminal.wait_for("by kim")
        os.kill(pid, signal.SIGCONT)  # as `fg` sends: no second keyboard reader
        terminal.run("kill-server", check=False)
        deadline = time.monotonic() + DEADLINE
        while running(pid):
            assert time.monotonic() < deadline, f"gonogo {command} outlived its terminal"
            time.sleep(0.05)
        if command == "review":
            (journal,) = (tmp_path / "evidence").glob("*.jsonl")
            assert "said on the call" in journal.read_text(encoding="utf-8")
    finally:
        terminal.kill()  # its server is gone already: what outlived it is killed here
        if pid and running(pid):
            os.kill(pid, signal.SIGKILL)
