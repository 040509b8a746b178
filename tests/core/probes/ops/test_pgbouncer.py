"""The `pgbouncer` probe against a real pgBouncer in front of a throwaway PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest

from gonogo_tui.core.probes.base import Status
from tests.conftest import SPARK_DATABASE
from tests.core.probes.ops.helpers import arun_engine, context, spec
from tests.servers import PgBouncerServer, free_port


async def _pool(bouncer: PgBouncerServer) -> dict[str, Any]:
    rows = await asyncio.to_thread(bouncer.show, "POOLS")
    return next(
        (r for r in rows if r["database"] == SPARK_DATABASE and r["user"] == "postgres"), {}
    )


async def _wait_for_pool(bouncer: PgBouncerServer, **expected: int) -> None:
    """Poll SHOW POOLS until the spark_trading pool shows the expected counters."""
    deadline = time.monotonic() + 10
    while True:
        pool = await _pool(bouncer)
        if all(pool.get(key) == value for key, value in expected.items()):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"pool never reached {expected}: {pool}")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def held(bouncer: PgBouncerServer, count: int) -> AsyncIterator[list[Any]]:
    """`count` client connections through pgBouncer, each holding a server connection."""
    connections = []
    try:
        for _ in range(count):
            connection = await psycopg.AsyncConnection.connect(
                bouncer.dsn(SPARK_DATABASE), autocommit=True, prepare_threshold=None
            )
            connections.append(connection)
            await connection.execute("SELECT 1")
        await _wait_for_pool(bouncer, sv_active=count)
        yield connections
    finally:
        for connection in connections:
            await connection.close()


def _probe(bouncer: PgBouncerServer, **fields: Any) -> Any:
    return spec(kind="pgbouncer", dsn=bouncer.dsn(SPARK_DATABASE), **fields)


async def test_utilization_per_pool(pgbouncer: PgBouncerServer) -> None:
    probe = _probe(pgbouncer, databases=[SPARK_DATABASE], max_utilization="< 80")
    assert probe.expectation() == "max pool utilization < 80%"
    async with held(pgbouncer, 2):
        calm = await arun_engine(probe, context())
        assert calm.status is Status.PASS
        assert calm.value == f"40% max ({SPARK_DATABASE}/postgres)"
        assert calm.detail == f"1 pool; busiest {SPARK_DATABASE}/postgres 2/5 active"
        assert f"{SPARK_DATABASE}\tpostgres\t2\t5\t40%\t0" in calm.output
    async with held(pgbouncer, 4):
        busy = await arun_engine(probe, context())
        assert busy.status is Status.FAIL
        assert busy.value == f"80% max ({SPARK_DATABASE}/postgres)"
        assert busy.detail == (
            f"pool {SPARK_DATABASE}/postgres at 80% (4/5 server connections active), expected < 80%"
        )


async def test_released_connections_are_not_load(pgbouncer: PgBouncerServer) -> None:
    async with held(pgbouncer, 3):
        pass
    await _wait_for_pool(pgbouncer, sv_active=0)
    probe = _probe(pgbouncer, databases=[SPARK_DATABASE], max_utilization="< 80")
    result = await arun_engine(probe, context())
    assert (result.status, result.value) == (Status.PASS, f"0% max ({SPARK_DATABASE}/postgres)")


async def test_waiting_clients(pgbouncer: PgBouncerServer) -> None:
    probe = _probe(pgbouncer, databases=[SPARK_DATABASE], max_waiting_clients=0)
    async with held(pgbouncer, 5) as connections:

        async def sixth() -> None:
            async with await psycopg.AsyncConnection.connect(
                pgbouncer.dsn(SPARK_DATABASE), autocommit=True, prepare_threshold=None
            ) as extra:
                await extra.execute("SELECT 1")

        waiting = asyncio.create_task(sixth())
        try:
            await _wait_for_pool(pgbouncer, cl_waiting=1)
            result = await arun_engine(probe, context())
            assert result.status is Status.FAIL
            assert result.value == f"100% max ({SPARK_DATABASE}/postgres), 1 waiting"
            assert result.detail == "1 client waiting for a server connection, expected <= 0"
            await connections.pop().close()  # frees a server connection for the sixth client
            await asyncio.wait_for(waiting, 10)
        finally:
            waiting.cancel()
            await asyncio.gather(waiting, return_exceptions=True)


async def test_reserve_pool_counts_as_capacity_when_asked(pgbouncer: PgBouncerServer) -> None:
    async with held(pgbouncer, 4):
        without = _probe(pgbouncer, databases=[SPARK_DATABASE], max_utilization="< 80")
        assert (await arun_engine(without, context())).status is Status.FAIL
        databases = await asyncio.to_thread(pgbouncer.show, "DATABASES")
        reserve = next(r for r in databases if r["name"] == SPARK_DATABASE)["reserve_pool"]
        with_reserve = _probe(
            pgbouncer, databases=[SPARK_DATABASE], max_utilization="< 80", include_reserve=True
        )
        result = await arun_engine(with_reserve, context())
        expected = "PASS" if 4 / (5 + reserve) < 0.8 else "FAIL"
        assert result.status.value == expected


async def test_all_pools_by_default(pgbouncer: PgBouncerServer) -> None:
    # A pool exists once a client has connected (with none, SHOW POOLS is no data): this
    # test must not depend on another having run first on the same pgBouncer.
    async with held(pgbouncer, 1):
        result = await arun_engine(_probe(pgbouncer, max_utilization="< 100"), context())
    assert result.status is Status.PASS
    assert "pgbouncer\t" not in result.output  # the console's own pseudo-pool is skipped


async def test_unknown_database_and_closed_port_are_errors(pgbouncer: PgBouncerServer) -> None:
    missing = _probe(pgbouncer, databases=["nope"], max_utilization="< 80")
    result = await arun_engine(missing, context())
    assert (result.status, result.detail) == (Status.ERROR, "pgBouncer has no database nope")
    closed = spec(
        kind="pgbouncer",
        dsn=f"postgresql://postgres@127.0.0.1:{free_port()}/app",
        max_utilization="< 80",
        connect_timeout=2,
    )
    refused = await arun_engine(closed, context())
    assert refused.status is Status.ERROR
    assert "OperationalError" in refused.detail


@pytest.mark.parametrize("user", ["nobody"])
async def test_user_without_console_rights_is_an_error(
    pgbouncer: PgBouncerServer, user: str
) -> None:
    probe = spec(kind="pgbouncer", dsn=pgbouncer.dsn("x", user=user), max_utilization="< 80")
    result = await arun_engine(probe, context())
    assert result.status is Status.ERROR
