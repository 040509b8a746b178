"""Test doubles for the review: a frozen clock and a scripted probe runner."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gonogo_tui.core.checklist import Criterion
from gonogo_tui.core.probes.base import ProbeResult, Status

FROZEN = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)
"""The moment every deterministic test starts at."""


class FakeClock:
    """A clock that moves only when told."""

    def __init__(self, start: datetime = FROZEN) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass(frozen=True)
class Scripted:
    """What a fake probe returns."""

    status: Status = Status.PASS
    value: str = "200"
    detail: str = "HTTP 200 in 12 ms"
    output: str = ""
    raises: str | None = None
    """Raise RuntimeError(raises) instead of returning: a runner bug, not a probe failure."""


PASS = Scripted()
FAIL = Scripted(Status.FAIL, "503", "HTTP 503, expected 200", "upstream unavailable")
ERROR = Scripted(Status.ERROR, "", "Connection refused: 127.0.0.1:9")


class FakeRunner:
    """Returns scripted results; criteria in `hang` wait until `release(id)` (or forever)."""

    def __init__(
        self,
        clock: FakeClock,
        script: Mapping[str, Scripted] | None = None,
        *,
        hang: Iterable[str] = (),
    ) -> None:
        self.clock = clock
        self.script = dict(script or {})
        self.hang = set(hang)
        self.announced: list[str] = []
        self.calls: list[str] = []
        self.cancelled: list[str] = []
        self._gates: dict[str, tuple[asyncio.Event, asyncio.AbstractEventLoop]] = {}
        self._lock = threading.Lock()

    async def run(self, criterion: Criterion) -> ProbeResult:
        cid = criterion.id
        self.calls.append(cid)
        started = self.clock()
        with self._lock:
            gate = None
            if cid in self.hang:
                gate = asyncio.Event()
                self._gates[cid] = (gate, asyncio.get_running_loop())
        if gate is not None:
            try:
                await gate.wait()
            except asyncio.CancelledError:
                self.cancelled.append(cid)
                raise
        scripted = self.script.get(cid, PASS)
        if scripted.raises is not None:
            raise RuntimeError(scripted.raises)
        assert criterion.probe is not None
        return ProbeResult(
            criterion_id=cid,
            status=scripted.status,
            value=scripted.value,
            expected=criterion.probe.expectation(),
            source=criterion.probe.source(),
            detail=scripted.detail,
            started_at=started,
            duration_ms=12.0,
            output=scripted.output,
        )

    def announce(self, criteria: Iterable[Criterion]) -> None:
        self.announced.extend(c.id for c in criteria)

    def timeout_for(self, criterion: Criterion) -> float:
        return 5.0

    def release(self, cid: str) -> None:
        """Let a hanging probe return its scripted result (from any thread)."""
        with self._lock:
            self.hang.discard(cid)
            gate = self._gates.pop(cid, None)
        if gate is not None:
            event, loop = gate
            loop.call_soon_threadsafe(event.set)
