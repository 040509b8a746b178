"""What the review depends on, passed in so tests can fix each one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.engine import Runner

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware UTC."""


@dataclass(frozen=True)
class ReviewContext:
    """The review's dependencies, built once by the app and shared by its screens."""

    checklist: Checklist
    runner: Runner
    clock: Clock
    evidence_dir: Path
    """Where the journal, the walkthrough summary and the decision record go."""
    operator: str
    """Who runs the meeting; recorded with every tick, waiver and note."""
    release: str | None
    duration: float
    """Meeting length in seconds (the countdown)."""


__all__ = ["Clock", "ReviewContext", "Runner"]
