"""Keeping a busy event loop out of the latency a timed probe measures.

A probe with a latency budget (`ProbeSpec.latency_budget`, e.g. http `max_ms`) times its
target; on a loop that is starting a burst of other probes, or painting a screen, that
time would include the loop's own work. The engine has two answers, both here:
`HeadStart` lets announced timed probes go before the rest of a burst, and
`run_on_own_loop` runs one on a private event loop in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from gonogo_tui.core.probes.base import SharedResources

T = TypeVar("T")

WARM_UP_ALLOWANCE = 0.5
"""Seconds, on top of the largest latency budget, that other probes wait for timed ones."""


class HeadStart:
    """Announced timed probes go first: the others wait until those have answered, or for
    the largest budget plus `WARM_UP_ALLOWANCE`, whichever comes first."""

    def __init__(self) -> None:
        self._waiting: set[str] = set()
        self._clear: asyncio.Event | None = None
        self._until = 0.0

    def announce(self, timed: Iterable[tuple[str, float]]) -> None:
        """Timed probes about to start, as (criterion id, latency budget in seconds); must
        be called on the running loop."""
        budgets = dict(timed)
        if not budgets:
            return
        self._waiting |= set(budgets)
        self._clear = asyncio.Event()
        loop = asyncio.get_running_loop()
        self._until = loop.time() + max(budgets.values()) + WARM_UP_ALLOWANCE

    def finished(self, criterion_id: str) -> None:
        """A timed probe has answered (or failed): the others may go once none waits."""
        self._waiting.discard(criterion_id)
        if not self._waiting and self._clear is not None:
            self._clear.set()

    async def wait(self) -> None:
        """Wait until the announced timed probes have answered (bounded by their budget)."""
        clear = self._clear
        if not self._waiting or clear is None:
            return
        remaining = self._until - asyncio.get_running_loop().time()
        if remaining > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(clear.wait(), remaining)


def run_on_own_loop(work: Callable[[SharedResources], Awaitable[T]]) -> T:
    """Run `work` on a private event loop in this (worker) thread, with its own shared
    clients, closed afterwards: called through `asyncio.to_thread`."""

    async def isolated() -> T:
        shared = SharedResources()
        try:
            return await work(shared)
        finally:
            await shared.aclose()

    return asyncio.run(isolated())


__all__ = ["WARM_UP_ALLOWANCE", "HeadStart", "run_on_own_loop"]
