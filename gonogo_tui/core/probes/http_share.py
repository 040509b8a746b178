"""One request for probes that ask the same thing at the same time.

A checklist often asks one endpoint several questions: four criteria read the security
headers of the same page, five read the same feature-flag document, five compute
different measures from one metrics scrape. The seed's shell snippets ask once (`curl -sI
$APP_URL | grep -E "CSP|Cross-Origin|Strict-Transport"`); so does gonogo. While a request
is in flight, a probe that would send the same request (same method, URL, headers,
TLS mode, redirects and timeout; no body) waits for its answer instead of sending its own,
and each probe then checks the answer against its own criterion. Every criterion is judged
on the same answer, and the target is asked once per burst instead of once per criterion.

Only requests in flight are shared, never kept: a rerun, a retry after an ERROR and a later
probe each send a new request. Probes that time their target (`max_ms`) never share: their
latency is their own request's.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, TypeVar

from gonogo_tui.core.probes.base import ProbeContext

T = TypeVar("T")

SHARED_KEY = "http.InFlight"
"""Where a runner's `SharedResources` keeps its requests in flight."""


class InFlight:
    """Requests in flight, by what they ask; a second asker joins the first request."""

    def __init__(self) -> None:
        self._tasks: dict[Hashable, asyncio.Future[Any]] = {}
        self.joined = 0
        """Asks answered by a request already in flight (not sent again)."""

    async def run(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        """The result of `make()`, or of the call in flight under `key`.

        The request runs as a task of its own: a probe that stops waiting (its deadline
        passed) does not cancel it for the others, and it ends by its own timeout.
        """
        task = self._tasks.get(key)
        if task is None:
            task = asyncio.ensure_future(make())
            self._tasks[key] = task
            task.add_done_callback(functools.partial(self._done, key))
        else:
            self.joined += 1
        result: T = await asyncio.shield(task)
        return result

    def _done(self, key: Hashable, task: asyncio.Future[Any]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
        if not task.cancelled():
            task.exception()  # retrieved here: every waiter may have stopped waiting

    def __len__(self) -> int:
        return len(self._tasks)

    async def aclose(self) -> None:
        """Cancel the requests still in flight (nobody is left to wait for them)."""
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task


async def shared_request(ctx: ProbeContext, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
    """`make()`, shared with the probes of this runner that ask the same `key` meanwhile
    (without an engine, simply `make()`)."""
    if ctx.shared is None:
        return await make()
    return await ctx.shared.get(SHARED_KEY, InFlight).run(key, make)


def headers_key(headers: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    """Request headers as part of a key: names in lower case (HTTP ignores their case)."""
    return tuple(sorted((name.lower(), value) for name, value in (headers or {}).items()))


__all__ = ["SHARED_KEY", "InFlight", "headers_key", "shared_request"]
