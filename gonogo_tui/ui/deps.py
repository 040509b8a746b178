"""What the review depends on, passed in so tests can fix each one."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from gonogo_tui.core.checklist import Checklist, Criterion
from gonogo_tui.core.probes.base import ProbeResult

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware UTC."""


class Runner(Protocol):
    """Runs one criterion's probe; `gonogo_tui.core.engine.ProbeRunner` is the real one."""

    async def run(self, criterion: Criterion) -> ProbeResult:
        """Measure once; probe failures come back as results, never as exceptions."""
        ...

    def timeout_for(self, criterion: Criterion) -> float:
        """The probe's deadline in seconds."""
        ...

    def announce(self, criteria: Iterable[Criterion]) -> None:
        """Say which probes are about to start together (timed ones then go first)."""
        ...


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
