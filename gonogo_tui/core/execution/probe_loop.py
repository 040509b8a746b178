"""Runs probes on an asyncio loop in a thread of their own.

A probe's set-up can hold the loop it runs on for tens of milliseconds (building a TLS
context for an HTTP client takes about 25 ms; fifty probes started together hold it for
over a second). On the UI's loop that would freeze the keyboard; on this loop it does not.
The UI keeps one worker per probe, which awaits the result here; cancelling that worker
cancels the probe in its loop and waits for its cleanup (a killed subprocess is reaped)
before the cancellation completes.

Requests to the probe loop (start, cancel, announce) wait in one queue, and the loop is
woken once for all that arrived since it last looked: each wake-up is a write to a socket,
and while the probe thread is busy the UI thread then waits for the GIL to come back
(Python hands it over every 5 ms), so a thousand wake-ups cost the UI seconds.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import itertools
import logging
import threading
from collections.abc import Callable, Iterable

from gonogo_tui.core.checklist import Criterion
from gonogo_tui.core.engine import Runner
from gonogo_tui.core.probes.base import ProbeResult

log = logging.getLogger(__name__)

CLEANUP_TIMEOUT = 5.0
"""Seconds a cancelled probe gets to clean up before its worker gives up waiting."""


class ProbeLoop:
    """A `Runner` that runs another runner's probes on a dedicated thread's event loop."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._tasks: dict[int, asyncio.Task[ProbeResult]] = {}
        self._keys = itertools.count(1)
        self._requests: collections.deque[Callable[[], None]] = collections.deque()
        self._lock = threading.Lock()
        self._woken = False
        """A wake-up of the probe loop is due (it will take every queued request)."""

    def timeout_for(self, criterion: Criterion) -> float:
        """The wrapped runner's deadline for this criterion."""
        return self.runner.timeout_for(criterion)

    def announce(self, criteria: Iterable[Criterion]) -> None:
        """Pass the announcement on, in the probe loop (it creates that loop's primitives);
        it is queued before the runs that follow it."""
        announced = list(criteria)
        self._request(self._started_loop(), lambda: self.runner.announce(announced))

    def _started_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="gonogo-probes", daemon=True)
            thread.start()
            self._loop, self._thread = loop, thread
        return self._loop

    def _request(self, loop: asyncio.AbstractEventLoop, request: Callable[[], None]) -> None:
        """Queue `request` for the probe loop, waking it unless a wake-up is due."""
        self._requests.append(request)
        with self._lock:
            wake, self._woken = not self._woken, True
        if wake:
            loop.call_soon_threadsafe(self._take_requests)

    def _take_requests(self) -> None:
        with self._lock:
            self._woken = False
        while self._requests:
            request = self._requests.popleft()
            try:
                request()
            except Exception:  # as the loop would have logged a failing callback
                log.exception("probe loop request failed")

    async def run(self, criterion: Criterion) -> ProbeResult:
        """Run the probe in the probe thread and return its result.

        Raises:
            asyncio.CancelledError: the caller was cancelled; the probe was cancelled too
                and has finished cleaning up (or `CLEANUP_TIMEOUT` passed).
        """
        loop = self._started_loop()
        key = next(self._keys)
        outcome: concurrent.futures.Future[ProbeResult] = concurrent.futures.Future()
        self._request(loop, lambda: self._start(key, criterion, outcome))
        waiter = asyncio.wrap_future(outcome)
        try:
            # Shielded: cancelling the caller must not cancel `outcome` before the probe ends.
            return await asyncio.shield(waiter)
        except asyncio.CancelledError:
            self._request(loop, lambda: self._cancel(key))
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(waiter, CLEANUP_TIMEOUT)
            raise

    def _start(
        self, key: int, criterion: Criterion, outcome: concurrent.futures.Future[ProbeResult]
    ) -> None:
        assert self._loop is not None
        task = self._loop.create_task(self.runner.run(criterion))
        self._tasks[key] = task

        def finished(done: asyncio.Task[ProbeResult]) -> None:
            self._tasks.pop(key, None)
            if outcome.done():  # the caller stopped waiting (cleanup timeout)
                return
            if done.cancelled():
                outcome.cancel()
            elif (error := done.exception()) is not None:
                outcome.set_exception(error)
            else:
                outcome.set_result(done.result())

        task.add_done_callback(finished)

    def _cancel(self, key: int) -> None:
        task = self._tasks.get(key)
        if task is not None:
            task.cancel()

    def close(self, timeout: float = CLEANUP_TIMEOUT) -> None:
        """Cancel what still runs, wait for it, then stop the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._cancel_all(), loop)
        with contextlib.suppress(concurrent.futures.TimeoutError):
            future.result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        if not thread.is_alive():
            loop.close()
        self._loop = self._thread = None

    async def _cancel_all(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


__all__ = ["CLEANUP_TIMEOUT", "ProbeLoop"]
