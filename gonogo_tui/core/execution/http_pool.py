"""The HTTP clients probes share: a few httpx clients, each carrying a few probes at once.

Building a TLS-capable client costs CPU, so probes share clients (one TLS context per
verification mode, see `tls.py`). But one client's pool bookkeeping grows with the square
of its connections (docs/benchmarks.md, "Why the code is shaped so"), so a burst is spread
over clients of at most `PER_CLIENT` probes each, made as the burst needs them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.execution.tls import client_context
from gonogo_tui.core.probes.base import ProbeContext

if TYPE_CHECKING:
    import httpx

PER_CLIENT = 8
"""Probes a shared client carries at once before the next one is used (or made)."""
KEEPALIVE = 32
"""Idle connections a client keeps open for the next probe."""


class _Slot:
    """A client and the probes it carries now."""

    __slots__ = ("client", "leases")

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.leases = 0


class ClientPool:
    """httpx clients made on demand; `lease` lends the first with room for one more probe."""

    def __init__(self, make: Callable[[], httpx.AsyncClient], per_client: int = PER_CLIENT):
        self._make = make
        self._per_client = per_client
        self._slots: list[_Slot] = []

    @contextlib.contextmanager
    def lease(self) -> Iterator[httpx.AsyncClient]:
        """A client for one probe's requests, for as long as the block runs."""
        slot = next((s for s in self._slots if s.leases < self._per_client), None)
        if slot is None:
            slot = _Slot(self._make())
            self._slots.append(slot)
        slot.leases += 1
        try:
            yield slot.client
        finally:
            slot.leases -= 1  # the slot's own count, even if the pool was closed meanwhile

    @property
    def size(self) -> int:
        """Clients made so far."""
        return len(self._slots)

    async def aclose(self) -> None:
        """Close every client made, all of them even when one fails (the first failure is
        raised afterwards); the pool can be used again afterwards."""
        slots, self._slots = self._slots, []
        failure: BaseException | None = None
        for slot in slots:
            try:
                await slot.client.aclose()
            except Exception as exc:  # keep closing the others
                failure = failure or exc
        if failure is not None:
            raise failure


def new_client(*, insecure: bool) -> httpx.AsyncClient:
    """A client for probes: TLS verified unless `insecure`, no total connection limit (the
    engine bounds the probes running)."""
    import httpx

    try:
        return httpx.AsyncClient(
            verify=client_context(insecure=insecure),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=KEEPALIVE),
        )
    except (httpx.InvalidURL, ValueError, ImportError) as exc:  # a SOCKS proxy needs socksio
        raise ProbeError(proxy_problem(exc)) from None


_warmed_up = False


async def warm_up_transport() -> None:
    """Send one request to a throwaway listener on 127.0.0.1, once per process.

    The first request a process sends imports and builds most of httpx's transport (anyio's
    socket streams, h11, the resolver's thread): a few hundred milliseconds on a busy
    machine, which a timed probe would count as its target's latency. Warming up against a
    listener of our own keeps the target out of it: it gets only the request it is asked.
    """
    global _warmed_up
    if _warmed_up:
        return
    import asyncio

    import httpx

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        async with httpx.AsyncClient(trust_env=False) as client:
            with contextlib.suppress(httpx.HTTPError):
                await client.get(f"http://127.0.0.1:{port}/", timeout=5)
    _warmed_up = True


PROXY_VARIABLES = (
    *("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"),
    *("https_proxy", "http_proxy", "all_proxy"),
)
"""The environment variables httpx takes proxies from."""


def proxy_problem(exc: Exception) -> str:
    """One line for a client httpx could not build: the proxy variables are the only input."""
    from gonogo_tui.core.redaction import Redactor

    named = ", ".join(name for name in PROXY_VARIABLES if os.environ.get(name)) or "none set"
    # httpx may quote the proxy URL, whose password is masked like any URL's.
    return Redactor()(f"cannot use the proxy settings of the environment ({named}): {exc}")


@contextlib.asynccontextmanager
async def leased_client(ctx: ProbeContext, *, insecure: bool) -> AsyncIterator[httpx.AsyncClient]:
    """The engine's shared clients for this TLS mode lend one; without an engine, a
    private client is made and closed."""
    if ctx.shared is not None:
        pool = ctx.shared.get(
            ("httpx.ClientPool", insecure),
            lambda: ClientPool(lambda: new_client(insecure=insecure)),
        )
        with pool.lease() as client:
            yield client
        return
    async with new_client(insecure=insecure) as client:
        yield client


__all__ = [
    "KEEPALIVE",
    "PER_CLIENT",
    "ClientPool",
    "leased_client",
    "new_client",
    "warm_up_transport",
]
