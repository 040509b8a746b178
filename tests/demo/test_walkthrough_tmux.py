"""The walkthrough on the review demo in a real terminal: the failing criterion (HSTS) is on
the first screen of its section at 120x40 and at 80x24."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.test_tmux import DEADLINE, GONOGO, Tmux


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    session = Tmux(tmp_path)
    yield session
    session.kill()


def wait_for_probes(tmux: Tmux) -> None:
    """Until the review's header says every probe has run (`probes 44/44`)."""
    deadline = time.monotonic() + DEADLINE * 4  # the demo starts PostgreSQL and friends
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux.screen()
        header = screen.splitlines()[0] if screen else ""
        if re.search(r"probes (\d+)/\1\b", header) and "running" not in header:
            return
        time.sleep(0.1)
    raise AssertionError(f"the probes never all finished; the screen was:\n{screen}")


def cards_area(screen: str) -> list[str]:
    """The lines below the section's requirement (the first `─` rule), without the footer."""
    lines = screen.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.strip().startswith("────"))
    return lines[rule + 1 : -1]


def test_the_failing_criterion_is_on_the_first_screen_of_its_section(
    tmux: Tmux, tmp_path: Path
) -> None:
    tmux.start(
        f"{GONOGO} demo --scenario review --evidence-dir {tmp_path / 'evidence'} --operator kim"
    )
    wait_for_probes(tmux)
    tmux.keys("g")
    tmux.wait_for("Walkthrough · section 1 of 10")
    for _ in range(10):  # `a`: the next section needing attention
        before = tmux.screen().splitlines()[0]
        if "Security Headers" in before:
            break
        tmux.keys("a")
        deadline = time.monotonic() + DEADLINE
        while tmux.screen().splitlines()[0] == before:
            assert time.monotonic() < deadline, tmux.screen()
            time.sleep(0.05)
    screen = tmux.wait_for("Security Headers · ✘ NO-GO", "✘ FAIL  HSTS")
    area = cards_area(screen)
    assert any("✘ FAIL  HSTS" in line for line in area[:3]), screen
    assert any("Value     86400" in line for line in area), screen
    # The passing header checks are one line each, with the header's value, not 200.
    assert any("✔ PASS  COEP: require-corp   require-corp" in line for line in area), screen
    tmux.run("resize-window", "-t", "review", "-x", "80", "-y", "24")
    screen = tmux.wait_for("✘ FAIL  HSTS", "Value     86400")
    assert len(screen.splitlines()) <= 24
    assert any("✘ FAIL  HSTS" in line for line in cards_area(screen)[:3]), screen
