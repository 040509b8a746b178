"""The poll on the installed `gonogo review` in a real terminal: ten owners by keyboard in
well under a minute, at 120x40 and then 80x24, every answer in the journal."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.test_tmux import GONOGO, Tmux

ROLES = ("DBA", "Monitoring", "Security", "QA", "Network", "Payments", "Support", "Data", "Mobile",
         "Web")  # fmt: skip


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    session = Tmux(tmp_path)
    yield session
    session.kill()


def ten_owners(tmp_path: Path) -> Path:
    lines = ["title: Ten owners", "policy:", "  quorum: all", "sections:"]
    for number, role in enumerate(ROLES):
        lines += [
            f"  - id: s{number}",
            f"    title: {role} checks",
            f"    owner: {{role: {role}, name: Person {number}}}",
            f"    criteria: [{{id: c{number}, title: {role} ready, manual: true}}]",
        ]
    path = tmp_path / "ten.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_ten_owners_polled_by_keyboard_in_under_a_minute(tmux: Tmux, tmp_path: Path) -> None:
    checklist = ten_owners(tmp_path)
    evidence = tmp_path / "evidence"
    tmux.start(f"{GONOGO} review {checklist} --evidence-dir {evidence} --operator lead")
    tmux.wait_for("WAITING · 10 ticks", "10 Web checks")
    started = time.monotonic()
    tmux.keys("v")
    tmux.wait_for("POLL · owner 1 of 10", "DBA?", "Person 0")
    for number in range(10):
        if number == 2:  # Security says NO-GO, with the reason it needs
            tmux.keys("n")
            tmux.wait_for("NO-GO from Person 2 (Security)")
            tmux.keys("HSTS is short", "Enter")
        elif number == 5:  # Payments is absent; nobody stands in
            tmux.keys("a")
            tmux.wait_for("Person 5 (Payments) is absent")
            tmux.keys("Enter")
        else:
            tmux.keys("g")
        if number < 9:
            tmux.wait_for(f"owner {number + 2} of 10", f"{ROLES[number + 1].upper()}?")
    screen = tmux.wait_for("quorum NOT met, 10 needed: 9 of 10 owners answered", "✔ GO")
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"ten owners took {elapsed:.1f}s"
    assert "▶✔ Web" in screen and "✘ Security" in screen and "∅ Payments" in screen
    tmux.run("resize-window", "-t", "review", "-x", "80", "-y", "24")
    tmux.keys("Left", "Left", "Left", "Left", "Left", "Left", "Left")
    small = tmux.wait_for("owner 3 of 10", "SECURITY?", "NO-GO: HSTS is short")
    assert len(small.splitlines()[0]) <= 80
    tmux.keys("Escape")
    tmux.wait_for("WAITING · 10 ticks")
    tmux.keys("q")
    tmux.wait_for("Quit without a decision?")
    tmux.keys("y")
    tmux.wait_closed()
    (journal,) = evidence.glob("journal_*.jsonl")
    answers = [
        entry
        for entry in map(json.loads, journal.read_text().splitlines())
        if entry["kind"] == "poll-answer"
    ]
    assert [a["answer"] for a in answers] == (
        ["GO", "GO", "NO-GO", "GO", "GO", "ABSENT", "GO", "GO", "GO", "GO"]
    )
    assert answers[2]["reason"] == "HSTS is short"
