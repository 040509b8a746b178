"""File work obeys the probe's deadline: a recursive glob over a big tree stops with it.

The walk runs in a thread, which nothing can kill; it checks a stop signal at every
directory entry, so when the engine's deadline (or a quit) cancels the probe, the thread
ends at once instead of holding `gonogo check`'s table, or the review's exit, until it has
walked the whole tree. The big tree is `/usr`, read only (`allow_outside_root: true`):
walking and stat-ing it takes seconds.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ui.test_tmux import Tmux, tmux  # noqa: F401  (the fixture)

GONOGO = Path(sys.executable).parent / "gonogo"
TIMEOUT = 1.0
MARGIN = 1.5
"""Seconds allowed beyond the probe's deadline (on top of a trivial run's start-up)."""
QUIT_MARGIN = 3.0
"""Seconds a quit may take beyond a quit without walks: the walking threads compete for the
GIL with the quit until they are cancelled (without the fix, the review outlives 20 s)."""
BIG_TREE = "/usr"


def _walk(criterion_id: str, timeout: str) -> str:
    return (
        f"      - id: {criterion_id}\n"
        f"        title: Newest file anywhere under {BIG_TREE}\n"
        "        probe:\n"
        "          kind: file\n"
        f"          timeout: {timeout}\n"
        "          allow_outside_root: true\n"
        f"          newest_in: {{dir: {BIG_TREE}, glob: '*', recursive: true}}\n"
    )


def _checklist(path: Path, criteria: str) -> Path:
    path.write_text(
        "title: Bounded file work\n"
        "sections:\n"
        "  - id: files\n"
        "    title: Files\n"
        "    criteria:\n"
        f"{criteria}"
        "      - {id: people, title: People ready, manual: true}\n"
    )
    return path


def _check(checklist: Path, root: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.monotonic()
    proc = subprocess.run(
        [str(GONOGO), "check", str(checklist), "--root", str(root), "--workers", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return time.monotonic() - started, proc


def test_check_prints_its_table_within_the_deadline(tmp_path: Path) -> None:
    trivial = _checklist(tmp_path / "trivial.yaml", "")
    start_up, proc = _check(trivial, tmp_path)
    assert "Decision:" in proc.stdout, proc.stderr
    slow = _checklist(tmp_path / "slow.yaml", _walk("walk", f"{TIMEOUT:g}s"))
    took, proc = _check(slow, tmp_path)
    assert "timed out after 1s" in proc.stdout, proc.stdout + proc.stderr
    assert took < start_up + TIMEOUT + MARGIN, (
        f"the table came {took:.2f}s after the start (a trivial run: {start_up:.2f}s)"
    )


def _quit_review(tmux: Tmux, checklist: Path, root: Path) -> float:  # noqa: F811
    """Seconds from answering the quit question to the review's exit."""
    tmux.start(
        f"{GONOGO} review {checklist} --root {root} "
        f"--evidence-dir {root / 'evidence'} --operator tester"
    )
    tmux.wait_for("1 Files", "People ready")
    if "walk" in checklist.name:
        tmux.wait_for("… RUN")
    tmux.keys("q")
    tmux.wait_for("Quit without a decision?")
    asked = time.monotonic()
    tmux.keys("y")
    tmux.wait_closed()
    return time.monotonic() - asked


@pytest.mark.skipif(not Path(BIG_TREE).is_dir(), reason=f"no {BIG_TREE}")
def test_quitting_the_review_while_a_walk_runs_is_prompt(
    tmux: Tmux,  # noqa: F811
    tmp_path: Path,
) -> None:
    plain = _quit_review(tmux, _checklist(tmp_path / "plain.yaml", ""), tmp_path)
    # Three walks at once keep the thread pool busy for many seconds without the fix.
    walks = "".join(_walk(f"walk{n}", "120s") for n in range(3))
    took = _quit_review(tmux, _checklist(tmp_path / "walks.yaml", walks), tmp_path)
    assert took < plain + QUIT_MARGIN, (
        f"the review took {took:.2f}s to quit (without walks: {plain:.2f}s)"
    )
