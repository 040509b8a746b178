"""Requests in flight shared by probes that ask the same (`core/execution/http_share.py`),
against a real local server that counts what it receives."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Any

import pytest

from gonogo_tui.core.checklist import Criterion
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.execution.http_share import (
    SHARED_KEY,
    InFlight,
    headers_key,
    shared_request,
)
from gonogo_tui.core.probes._ops import http_client
from gonogo_tui.core.probes.base import ProbeContext, ProbeResult, SharedResources, Status
from gonogo_tui.demo.services.http import Reply
from tests.servers import HttpTestServer

HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def criterion(criterion_id: str, probe: dict[str, Any]) -> Criterion:
    return Criterion.model_validate({"id": criterion_id, "title": criterion_id, "probe": probe})


async def run_all(criteria: list[Criterion], tmp_path: Path) -> dict[str, ProbeResult]:
    runner = ProbeRunner(ProbeContext(root=tmp_path), concurrency=16, retry_backoff=0)
    try:
        return {r.criterion_id: r async for r in runner.run_all(criteria)}
    finally:
        await runner.aclose()


def received(server: HttpTestServer, method: str, path: str) -> int:
    return sum(1 for r in server.requests if r.method == method and r.path == path)


async def test_the_same_request_in_flight_is_sent_once(
    http_server: HttpTestServer, tmp_path: Path
) -> None:
    """Four criteria read the headers of one page: one GET, each judged on its own."""
    http_server.route("GET", "/", headers=HEADERS, body="home", delay=0.2)
    http_server.route("POST", "/report", status=204)
    page = {"kind": "http", "url": f"{http_server.url}/"}
    results = await run_all(
        [
            criterion("csp", {**page, "headers_present": ["Content-Security-Policy"]}),
            criterion("coop", {**page, "header_matches": {"Cross-Origin-Opener-Policy": "^same"}}),
            criterion("hsts", {**page, "headers_present": ["Strict-Transport-Security"]}),
            criterion("plain", page),
            # Not the same request: another header, a body, a latency of its own.
            criterion("other", {**page, "headers": {"Accept": "text/html"}}),
            criterion("post", {**page, "url": f"{http_server.url}/report", "method": "POST"}),
            criterion("post-2", {**page, "url": f"{http_server.url}/report", "method": "POST"}),
            criterion("timed", {**page, "max_ms": 5000}),
        ],
        tmp_path,
    )
    assert {k: r.status for k, r in results.items()} == {
        "csp": Status.PASS,
        "coop": Status.PASS,
        "hsts": Status.FAIL,
        "plain": Status.PASS,
        "other": Status.PASS,
        "post": Status.PASS,
        "post-2": Status.PASS,
        "timed": Status.PASS,
    }
    assert results["hsts"].detail == "header Strict-Transport-Security missing"
    assert results["timed"].value.endswith(" ms")
    # csp, coop, hsts and plain share one; other and timed send their own.
    assert received(http_server, "GET", "/") == 3
    assert received(http_server, "POST", "/report") == 2  # a POST is never shared


async def test_an_answer_is_never_kept_for_later_probes(
    http_server: HttpTestServer, tmp_path: Path
) -> None:
    """Only requests in flight are shared: a second run (a rerun) asks again."""
    http_server.route("GET", "/flags", body={"on": True})
    probe = {"kind": "http", "url": f"{http_server.url}/flags"}
    runner = ProbeRunner(ProbeContext(root=tmp_path), concurrency=4, retry_backoff=0)
    try:
        for _ in range(3):
            assert (await runner.run(criterion("flags", probe))).status is Status.PASS
    finally:
        await runner.aclose()
    assert received(http_server, "GET", "/flags") == 3


async def test_a_retry_after_an_error_sends_a_new_request(
    http_server: HttpTestServer, tmp_path: Path
) -> None:
    """The shared answer of a failed request (a 503, which may pass next time) is not
    reused by the retry."""
    answers = iter([Reply(503, body=b"warming up"), _reply(b'{"ok": true}')])
    http_server.route("GET", "/doc", handler=lambda request: next(answers))
    probe = {
        "kind": "http",
        "url": f"{http_server.url}/doc",
        "json": [{"path": "ok", "equals": True}],
    }
    runner = ProbeRunner(
        ProbeContext(root=tmp_path), concurrency=4, default_retries=1, retry_backoff=0
    )
    try:
        result = await runner.run(criterion("doc", probe))
    finally:
        await runner.aclose()
    assert result.status is Status.PASS and result.attempts == 2
    assert received(http_server, "GET", "/doc") == 2


async def test_a_request_given_up_on_is_never_joined_again(
    http_server: HttpTestServer, tmp_path: Path
) -> None:
    """A body that takes 1.8 s against 1 s deadlines: every attempt and every queued probe
    sends a request of its own and times out; none is answered by an abandoned request."""
    http_server.route("GET", "/slow", trickle=(b"x", 0.3, 6))
    probe = {"kind": "http", "url": f"{http_server.url}/slow", "timeout": 1}
    runner = ProbeRunner(
        ProbeContext(root=tmp_path), concurrency=1, default_retries=1, retry_backoff=0
    )
    try:
        results = {
            r.criterion_id: r
            async for r in runner.run_all([criterion("a", probe), criterion("b", probe)])
        }
    finally:
        await runner.aclose()
    assert {k: (r.status, r.attempts) for k, r in results.items()} == {
        "a": (Status.ERROR, 2),
        "b": (Status.ERROR, 2),
    }
    assert received(http_server, "GET", "/slow") == 4


async def test_a_rerun_after_a_cancel_asks_again_and_the_old_request_is_cancelled(
    http_server: HttpTestServer, tmp_path: Path
) -> None:
    http_server.route("GET", "/page", trickle=(b"x", 0.5, 10))  # 5 s to answer in full
    probe = {"kind": "http", "url": f"{http_server.url}/page", "timeout": 20}
    runner = ProbeRunner(ProbeContext(root=tmp_path), concurrency=4, retry_backoff=0)
    try:
        first = asyncio.ensure_future(runner.run(criterion("page", probe)))
        await asyncio.sleep(0.3)
        flights = runner._shared.get(SHARED_KEY, InFlight)
        assert len(flights) == 1
        first.cancel()  # the operator reran it: the first run is cancelled
        with pytest.raises(asyncio.CancelledError):
            await first
        assert len(flights) == 0  # nobody waits: the request was cancelled, not kept
        http_server.route("GET", "/page", body="fresh")
        rerun = await runner.run(criterion("page", probe))
    finally:
        await runner.aclose()
    assert rerun.status is Status.PASS and "fresh" in rerun.output
    assert received(http_server, "GET", "/page") == 2


async def test_the_request_is_cancelled_when_its_last_waiter_leaves() -> None:
    flights = InFlight()
    outcome: list[str] = []

    async def forever() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise

    waiters = [asyncio.ensure_future(flights.run("k", forever)) for _ in range(2)]
    await asyncio.sleep(0.01)
    waiters[0].cancel()
    await asyncio.sleep(0.01)
    assert outcome == [] and len(flights) == 0  # still answering the other, joined by none
    waiters[1].cancel()
    await asyncio.gather(*waiters, return_exceptions=True)
    await asyncio.sleep(0)
    assert outcome == ["cancelled"]


def _reply(body: bytes) -> Reply:
    return Reply(200, {"Content-Type": "application/json"}, body)


async def test_metrics_criteria_share_one_scrape(
    http_server: HttpTestServer, tmp_path: Path
) -> None:
    exposition = (
        "# TYPE up gauge\nup 1\n"
        "# TYPE errors_total counter\nerrors_total 2\n"
        "# TYPE requests_total counter\nrequests_total 400\n"
    )
    http_server.route("GET", "/metrics", body=exposition, delay=0.2)
    base = {"kind": "metrics", "url": f"{http_server.url}/metrics"}
    results = await run_all(
        [
            criterion("up", {**base, "gauge": "up", "compare": "== 1"}),
            criterion(
                "errors",
                {**base, "numerator": "errors", "denominator": "requests", "compare": "< 0.01"},
            ),
            criterion("down", {**base, "gauge": "up", "compare": "== 0"}),
        ],
        tmp_path,
    )
    assert {k: r.status for k, r in results.items()} == {
        "up": Status.PASS,
        "errors": Status.PASS,
        "down": Status.FAIL,
    }
    assert received(http_server, "GET", "/metrics") == 1


async def test_operations_gets_are_shared_with_the_same_headers_only(
    http_server: HttpTestServer, tmp_path: Path
) -> None:
    http_server.route("GET", "/api/rules", body={"status": "success"}, delay=0.2)
    ctx = ProbeContext(root=tmp_path, shared=SharedResources())
    url = f"{http_server.url}/api/rules"

    async def ask(token: str) -> Any:
        async with http_client(ctx, token=token) as session:
            return (await session.get(url)).json()

    answers = await asyncio.gather(ask("one"), ask("one"), ask("two"))
    await ctx.shared.aclose()  # type: ignore[union-attr]
    assert answers == [{"status": "success"}] * 3
    tokens = sorted(r.headers.get("authorization", "") for r in http_server.requests)
    assert tokens == ["Bearer one", "Bearer two"]  # a token is never lent to another


async def test_a_waiter_that_stops_waiting_does_not_cancel_the_others() -> None:
    flights = InFlight()
    calls = 0

    async def slow() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.1)
        return "answer"

    impatient = asyncio.ensure_future(flights.run("k", slow))
    patient = asyncio.ensure_future(flights.run("k", slow))
    await asyncio.sleep(0.01)
    impatient.cancel()
    assert await patient == "answer"
    assert calls == 1 and flights.joined == 1 and len(flights) == 0
    with pytest.raises(asyncio.CancelledError):
        await impatient


async def test_a_failure_reaches_every_waiter_and_is_never_unretrieved() -> None:
    flights = InFlight()
    unhandled: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(
        lambda loop, context: unhandled.append(context)
    )

    async def failing() -> str:
        await asyncio.sleep(0.05)
        raise ProbeError("refused")

    results = await asyncio.gather(
        flights.run("k", failing), flights.run("k", failing), return_exceptions=True
    )
    assert [str(r) for r in results] == ["refused", "refused"]
    # Every waiter gone before the failure: nothing is reported as never retrieved.
    lonely = asyncio.ensure_future(flights.run("j", failing))
    await asyncio.sleep(0.01)
    lonely.cancel()
    await asyncio.sleep(0.1)
    gc.collect()
    await asyncio.sleep(0)
    assert unhandled == []


async def test_closing_cancels_what_is_still_in_flight() -> None:
    flights = InFlight()
    started = asyncio.Event()

    async def forever() -> str:
        started.set()
        await asyncio.sleep(60)
        return "never"

    waiter = asyncio.ensure_future(flights.run("k", forever))
    await started.wait()
    await asyncio.wait_for(flights.aclose(), 2)
    assert len(flights) == 0
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(waiter, 2)


async def test_without_an_engine_nothing_is_shared(tmp_path: Path) -> None:
    calls = 0

    async def make() -> None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)

    ctx = ProbeContext(root=tmp_path)
    await asyncio.gather(shared_request(ctx, "k", make), shared_request(ctx, "k", make))
    assert calls == 2


def test_header_names_are_compared_without_case() -> None:
    assert headers_key({"Accept": "a", "X-B": "b"}) == headers_key({"x-b": "b", "ACCEPT": "a"})
    assert headers_key({"Accept": "a"}) != headers_key({"Accept": "A"})
    assert headers_key(None) == ()
