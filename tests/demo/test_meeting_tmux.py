"""A whole meeting on the installed `gonogo demo`, by keyboard in a real terminal (tmux), at
120x40 and at 80x24: probes done, the room told it waits, ticks with notes, a waiver, the
agenda, finalize (the release asked for), a signature with a test key, quit. The screen is
read back at each step; every wait polls with a deadline (`Tmux.wait_for`)."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gonogo_tui.core.checklist import load_checklist
from tests.demo.test_walkthrough_tmux import wait_for_probes
from tests.ui.test_tmux import DEADLINE, GONOGO, Tmux

SHIPPED = Path(__file__).resolve().parents[2] / "checklists" / "spark-trading.yaml"
WAIVED = "team-stakeholders"
"""The manual criterion waived instead of ticked (not critical: it may be waived)."""


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    session = Tmux(tmp_path)
    yield session
    session.kill()


def wait_until(tmux: Tmux, test: object, what: str) -> str:
    """Poll the screen until `test(screen)` holds."""
    assert callable(test)
    deadline = time.monotonic() + DEADLINE
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux.screen()
        if test(screen):
            return screen
        time.sleep(0.05)
    raise AssertionError(f"{what} never showed; the screen was:\n{screen}")


LATENCY = "flags-latency"
"""The demo's one timed probe (`max_ms: 100`, the seed's budget)."""


def rerun_a_busy_latency_probe(tmux: Tmux, ids: list[str]) -> None:
    """On a loaded machine (the suite's other processes) the demo's flag service can miss its
    100 ms budget at start-up; the room would rerun that probe, and so does the test (`r` on
    its row, up to three times). Any other failure fails the test."""
    for _ in range(3):
        bar = "\n".join(tmux.screen().splitlines()[-3:])
        if "NO-GO" not in bar:
            return
        assert "Flags respond" in bar, bar
        tmux.keys(*["j"] * ids.index(LATENCY), "r", *["k"] * ids.index(LATENCY))
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            bar = "\n".join(tmux.screen().splitlines()[-3:])
            if "NO-GO" not in bar:
                return
            time.sleep(0.1)


def cursor_row(tmux: Tmux) -> int:
    return int(tmux.run("display-message", "-p", "-t", "review", "#{cursor_y}").strip())


def tab_from(tmux: Tmux, line_text: str) -> None:
    """Tab out of the field showing `line_text` and poll until the terminal's cursor (Textual
    puts it at the focused field) has moved: keys sent before the focus moved would still
    go to this field."""
    tmux.wait_for(line_text)
    row = cursor_row(tmux)
    tmux.keys("Tab")
    deadline = time.monotonic() + DEADLINE
    while cursor_row(tmux) == row:
        assert time.monotonic() < deadline, f"the focus never left {line_text!r}"
        time.sleep(0.05)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_a_green_meeting_by_keyboard(tmux: Tmux, tmp_path: Path, size: tuple[int, int]) -> None:
    width, height = size
    key = tmp_path / "cto_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "cto", "-f", str(key)], check=True
    )
    evidence = tmp_path / "evidence"
    order = [c for _, c in load_checklist(SHIPPED, environ={}).criteria()]
    manual = [c.id for c in order if c.is_manual]
    ids = [c.id for c in order]
    tmux.start(f"{GONOGO} demo --evidence-dir {evidence} --operator kim")
    tmux.run("resize-window", "-t", "review", "-x", str(width), "-y", str(height))
    wait_for_probes(tmux)
    rerun_a_busy_latency_probe(tmux, ids)

    # Nothing failed: the room waits for the ticks, and the agenda runs for section 1.
    screen = tmux.wait_for("WAITING")
    bar = "\n".join(screen.splitlines()[-3:])  # the decision bar, over the footer
    assert "WAITING" in bar and "NO-GO" not in bar, screen
    header = screen.splitlines()[0]
    assert re.search(r"◷ \d\d:\d\d ▶ (\d\d:\d\d|TIME UP)", header), header

    at = 0  # the selection starts on the first criterion
    for cid in manual:
        index = ids.index(cid)
        step = "j" if index > at else "k"
        tmux.keys(*[step] * abs(index - at))
        at = index
        if cid == WAIVED:
            tmux.keys("w")
            tmux.wait_for(f"Waive {cid}")
            tmux.keys("-l", "announced by hand")
            tmux.keys("Enter")
            wait_until(tmux, lambda s: "waived" in s.lower(), "the waiver")
            continue
        tmux.keys("Space")
        tmux.wait_for(f"Tick {cid}")
        tmux.keys("-l", f"{cid} confirmed on the call")
        tmux.keys("Enter")
        wait_until(tmux, lambda s, cid=cid: f"Tick {cid}" not in s, f"the tick of {cid}")
    # The last section discussed is the waived one's: its time runs on the header.
    screen = wait_until(tmux, lambda s: "✔ GO" in "".join(s.splitlines()[-3:]), "GO")
    assert "▶" in screen.splitlines()[0]

    tmux.keys("f")
    # The demo's sections name their owners and its policy needs no quorum: the poll is
    # offered once; "Decide now" goes on to the finalize dialog.
    tmux.wait_for("Poll the owners first?", "Decide now (n)")
    tmux.keys("n")
    tmux.wait_for("Finalize the decision", "Release")
    tmux.keys("-l", "v2.4.0")
    tmux.keys("Escape")  # cancelled: the release typed is kept for the next finalize
    wait_until(tmux, lambda s: "Finalize the decision" not in s, "the dialog closed")
    tmux.keys("f")
    tmux.wait_for("Finalize the decision", "Release v2.4.0")
    tmux.keys("g")
    tmux.wait_for("FINAL")
    (txt,) = evidence.glob("go_decision_*.txt")
    record = txt.read_text()
    assert "Release: v2.4.0" in record
    assert "confirmed on the call" in record and "announced by hand" in record

    tmux.keys("f")
    tmux.wait_for("Sign off", "Missing: cto")  # the dialog is up, the principal field focused
    tmux.keys("-l", "cto@example.com")
    tab_from(tmux, "cto@example.com")
    tmux.keys("-l", key.name)  # the test's own key, made above (the folder is the cwd)
    wait_until(
        tmux,
        lambda s: any(key.name in line and "cto@" not in line for line in s.splitlines()),
        "the key in its own field",
    )
    tmux.keys("C-s")
    tmux.wait_for("Signed as cto")
    assert list(evidence.rglob("*.sig")), "the signature is beside the record"
    tmux.keys("Escape")
    # Closed before `q`: an escape followed too soon by a key is read as alt+key.
    wait_until(tmux, lambda s: "Sign off" not in s, "the sign-off dialog closed")
    tmux.wait_for("FINAL")
    tmux.keys("q")
    tmux.wait_closed()
