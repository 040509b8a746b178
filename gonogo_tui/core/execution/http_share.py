"""One request for probes that ask the same thing at the same time.

A checklist often asks one endpoint several questions: four criteria read the security
headers of the same page, five read the same feature-flag document, five compute
different measures from one metrics scrape. The seed's shell snippets ask once (`curl -sI
$APP_URL | grep -E "CSP|Cross-Origin|Strict-Transport"`); so does gonogo. While a request
is in flight, a probe that would send the same request (same method, URL, headers,
TLS mode, redirects and timeout; no body) waits for its answer instead of sending its own,
and each probe then checks the answer against its own criterion. Every criterion is judged
on the same answer, and the target is asked once per burst instead of once per criterion.

Only requests in flight are shared, never kept: a request is joined only while every
probe waiting for it still waits (see `InFlight`), so a rerun, a retry after an ERROR and a
later probe send a new request. Probes that time their target (`max_ms`) never share:
their latency is their own request's.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, TypeVar

from gonogo_tui.core.probes.base import ProbeContext

T = TypeVar("T")

SHARED_KEY = "http.InFlight"
"""Where a runner's `SharedResources` keeps its requests in flight."""


class _Flight:
    """One request in flight and the probes waiting for it."""

    __slots__ = ("task", "waiters")

    def __init__(self, task: asyncio.Future[Any]) -> None:
        self.task = task
        self.waiters = 0


class InFlight:
    """Requests in flight, by what they ask; a second asker joins the first request.

    A request lives only as long as somebody waits for it: when a waiting probe stops
    waiting (its deadline passed, the operator reran it, the review quit), nobody joins that
    request any more, so a retry, a rerun or a later probe sends a new one; and when the
    last waiting probe stops waiting, the request is cancelled. A probe waits for a shared
    answer no longer than its own deadline; a request somebody gave up on is never joined
    again; and no request outlives every probe that asked.
    """

    def __init__(self) -> None:
        self._flights: dict[Hashable, _Flight] = {}
        self.joined = 0
        """Asks answered by a request already in flight (not sent again)."""

    async def run(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        """The result of `make()`, or of the request in flight under `key`."""
        flight = self._flights.get(key)
        if flight is None:
            flight = _Flight(asyncio.ensure_future(make()))
            self._flights[key] = flight
            flight.task.add_done_callback(functools.partial(self._done, key))
        else:
            self.joined += 1
        flight.waiters += 1
        try:
            # Shielded: one asker that stops waiting does not cancel it for the others.
            result: T = await asyncio.shield(flight.task)
        except asyncio.CancelledError:
            if self._flights.get(key) is flight:
                del self._flights[key]  # an abandoned request is joined by nobody else
            raise
        finally:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.task.done():
                flight.task.cancel()
        return result

    def _done(self, key: Hashable, task: asyncio.Future[Any]) -> None:
        flight = self._flights.get(key)
        if flight is not None and flight.task is task:
            del self._flights[key]
        if not task.cancelled():
            task.exception()  # retrieved here: every waiter may have stopped waiting

    def __len__(self) -> int:
        return len(self._flights)

    async def aclose(self) -> None:
        """Cancel the requests still in flight (nobody is left to wait for them)."""
        tasks = [flight.task for flight in self._flights.values()]
        self._flights.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


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
