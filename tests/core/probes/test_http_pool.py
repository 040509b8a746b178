"""Shared HTTP clients (`core/execution/http_pool.py`): a burst spreads over a few clients."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from gonogo_tui.core.checklist import Criterion
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.execution.http_pool import ClientPool, leased_client
from gonogo_tui.core.probes.base import ProbeContext, SharedResources, Status
from tests.servers import HttpTestServer


async def test_a_client_carries_at_most_its_share_and_is_reused() -> None:
    made: list[httpx.AsyncClient] = []

    def make() -> httpx.AsyncClient:
        made.append(httpx.AsyncClient())
        return made[-1]

    pool = ClientPool(make, per_client=2)
    with pool.lease() as a, pool.lease() as b:
        assert a is b and pool.size == 1
        with pool.lease() as c:
            assert c is not a and pool.size == 2
        with pool.lease() as d:  # the second client has room again
            assert d is c
    with pool.lease() as e:  # the first client is free again: no third one
        assert e is a and pool.size == 2
    await pool.aclose()
    assert pool.size == 0 and all(client.is_closed for client in made)


async def test_a_burst_of_probes_spreads_over_clients(
    http_server: HttpTestServer, tmp_path: Path
) -> None:
    """40 probes at once on one engine (40 different requests): 5 clients of 8, every
    probe answered."""
    http_server.route("GET", "/slow", body='{"ok": true}', delay=0.2)
    criteria = [
        Criterion.model_validate(
            {
                "id": f"c{n}",
                "title": f"c{n}",
                "probe": {
                    "kind": "http",
                    "url": f"{http_server.url}/slow?n={n}",
                    "json": [{"path": "ok", "equals": True}],
                },
            }
        )
        for n in range(40)
    ]
    runner = ProbeRunner(ProbeContext(root=tmp_path), concurrency=64, retry_backoff=0)
    results = [result async for result in runner.run_all(criteria)]
    pool = runner._shared.get(("httpx.ClientPool", False), lambda: None)
    assert isinstance(pool, ClientPool) and pool.size == 5
    assert len(results) == 40 and {r.status for r in results} == {Status.PASS}
    await runner.aclose()
    assert pool.size == 0


async def test_without_an_engine_a_private_client_is_closed(tmp_path: Path) -> None:
    async with leased_client(ProbeContext(root=tmp_path), insecure=False) as client:
        assert not client.is_closed
    assert client.is_closed
    shared = SharedResources()
    ctx = ProbeContext(root=tmp_path, shared=shared)
    async with leased_client(ctx, insecure=True) as one, leased_client(ctx, insecure=False) as two:
        assert one is not two  # one pool per TLS mode
    await asyncio.wait_for(shared.aclose(), 5)
    assert one.is_closed and two.is_closed


async def test_closing_the_pool_under_a_lease_keeps_counts_right() -> None:
    pool = ClientPool(httpx.AsyncClient, per_client=1)
    with pool.lease() as leased:
        await pool.aclose()  # e.g. the engine closing while a probe still ends
        with pool.lease() as fresh:  # a new client: the old one's lease is its own
            assert fresh is not leased and pool.size == 1
    with pool.lease() as again:
        assert again is fresh and pool.size == 1
    await pool.aclose()
