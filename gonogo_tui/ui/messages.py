"""App-level messages: probe runs starting and finishing."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from gonogo_tui.core.probes.base import ProbeResult


@dataclass
class ProbeFinished(Message):
    """A probe worker measured its criterion."""

    result: ProbeResult
    run_token: int
    """Identifies the run; a result from a superseded run does not end the newer one."""


@dataclass
class ProbeProgress(Message):
    """A sustained probe took a passing sample; its window is not full yet (PENDING)."""

    result: ProbeResult
    run_token: int
