"""Timed probes kept off a busy event loop (`core/execution/timed.py`)."""

from __future__ import annotations

import asyncio
import threading

from gonogo_tui.core.execution.timed import WARM_UP_ALLOWANCE, HeadStart, run_on_own_loop
from gonogo_tui.core.probes.base import SharedResources


class _Closable:
    closed = False

    async def aclose(self) -> None:
        self.closed = True


async def test_own_loop_runs_in_the_calling_thread_on_a_new_loop_and_closes_its_clients() -> None:
    caller_loop = asyncio.get_running_loop()
    made: list[_Closable] = []

    async def work(shared: SharedResources) -> tuple[object, str]:
        made.append(shared.get("client", _Closable))
        return asyncio.get_running_loop(), threading.current_thread().name

    loop, thread = await asyncio.to_thread(run_on_own_loop, work)
    assert loop is not caller_loop
    assert thread != threading.current_thread().name
    assert made[0].closed


async def test_own_loop_closes_its_clients_when_the_work_fails() -> None:
    made: list[_Closable] = []

    async def work(shared: SharedResources) -> None:
        made.append(shared.get("client", _Closable))
        raise RuntimeError("refused")

    try:
        await asyncio.to_thread(run_on_own_loop, work)
    except RuntimeError as exc:
        assert str(exc) == "refused"
    else:
        raise AssertionError("the failure was swallowed")
    assert made[0].closed


async def test_head_start_holds_others_until_the_timed_probes_finish() -> None:
    head_start = HeadStart()
    head_start.announce([("a", 5.0), ("b", 5.0)])
    waiting = asyncio.ensure_future(head_start.wait())
    await asyncio.sleep(0)
    head_start.finished("a")
    await asyncio.sleep(0)
    assert not waiting.done()
    head_start.finished("b")
    await asyncio.wait_for(waiting, 1.0)


async def test_head_start_is_bounded_by_the_largest_budget() -> None:
    head_start = HeadStart()
    head_start.announce([("slow", 0.05)])
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(head_start.wait(), 5.0)
    waited = loop.time() - started
    assert 0.05 + WARM_UP_ALLOWANCE - 0.02 <= waited <= 0.05 + WARM_UP_ALLOWANCE + 1.0


async def test_nothing_announced_means_no_wait() -> None:
    head_start = HeadStart()
    head_start.announce([])
    await asyncio.wait_for(head_start.wait(), 0.1)
