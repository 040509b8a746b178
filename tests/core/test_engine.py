"""ProbeRunner: deadlines, retries, exception mapping, redaction and cancellation."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pytest

from gonogo_tui.core.checklist import Criterion
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.errors import ProbeError, TransientError
from gonogo_tui.core.probes.base import Observation, ProbeContext, ProbeSpec, Status
from gonogo_tui.core.redaction import Redactor

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
Behaviour = Callable[[ProbeContext], Awaitable[Observation]]


class ScriptedProbe(ProbeSpec):
    """A probe whose behaviour is a coroutine function given by the test."""

    kind: Literal["scripted"] = "scripted"
    name: str = "scripted"
    behaviour: Any = None

    def source(self) -> str:
        return f"script {self.name}"

    def expectation(self) -> str:
        return "ok"

    async def run(self, ctx: ProbeContext) -> Observation:
        result: Observation = await self.behaviour(ctx)
        return result


def criterion(behaviour: Behaviour, **kwargs: Any) -> Criterion:
    probe_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in ("timeout",)}
    probe = ScriptedProbe(behaviour=behaviour, **probe_kwargs)
    fields: dict[str, Any] = {
        "id": kwargs.pop("id", "c1"),
        "title": "t",
        "probe": probe,
        "manual": False,
        "timeout": None,
        "retries": None,
        **kwargs,
    }
    return Criterion.model_construct(**fields)


def runner(**kwargs: Any) -> ProbeRunner:
    ctx = ProbeContext(root=Path("/"), now=lambda: T0)
    return ProbeRunner(ctx, retry_backoff=0, **kwargs)


async def test_pass_and_fail() -> None:
    async def ok(ctx: ProbeContext) -> Observation:
        return Observation(ok=True, value="42", detail="fine")

    async def bad(ctx: ProbeContext) -> Observation:
        return Observation(ok=False, value="7", detail="too low")

    r = runner()
    passed = await r.run(criterion(ok))
    failed = await r.run(criterion(bad, id="c2"))
    assert (passed.status, passed.value, passed.detail) == (Status.PASS, "42", "fine")
    assert passed.started_at == T0 and passed.source == "script scripted"
    assert (failed.status, failed.criterion_id, failed.detail) == (Status.FAIL, "c2", "too low")


@pytest.mark.parametrize(
    ("exc", "detail"),
    [
        (ProbeError("could not parse the answer"), "could not parse the answer"),
        (ConnectionRefusedError(111, "Connection refused"), "Connection refused"),
        (KeyError("boom"), "unexpected KeyError: 'boom'"),
        (TimeoutError(), "timed out"),
        # anyio's connect (under httpx) wraps its failure, e.g. a port above 65535, in a group.
        (
            ExceptionGroup(
                "unhandled errors in a TaskGroup", [OverflowError("port must be 0-65535")]
            ),
            "unexpected OverflowError: port must be 0-65535",
        ),
        (
            ExceptionGroup(
                "outer",
                [ExceptionGroup("inner", [ConnectionRefusedError(111, "Connection refused")])],
            ),
            "Connection refused",
        ),
    ],
)
async def test_exceptions_become_error(exc: BaseException, detail: str) -> None:
    async def raises(ctx: ProbeContext) -> Observation:
        raise exc

    result = await runner().run(criterion(raises))
    assert result.status is Status.ERROR
    assert detail in result.detail


async def test_hanging_probe_times_out_within_deadline() -> None:
    async def hang(ctx: ProbeContext) -> Observation:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    started = time.perf_counter()
    result = await runner().run(criterion(hang, timeout=0.2))
    elapsed = time.perf_counter() - started
    assert result.status is Status.ERROR
    assert result.detail == "timed out after 200ms"
    assert 0.19 < elapsed < 0.7


async def test_timeout_precedence_probe_over_criterion_over_default() -> None:
    async def ok(ctx: ProbeContext) -> Observation:
        return Observation(ok=True, value=str(ctx.timeout))

    r = runner(default_timeout=9)
    assert (await r.run(criterion(ok))).value == "9"
    c = criterion(ok)
    c_with = Criterion.model_construct(**{**c.__dict__, "timeout": 4.0})
    assert (await r.run(c_with)).value == "4.0"
    assert (await r.run(criterion(ok, timeout=2.0))).value == "2.0"


async def test_retries_only_after_error() -> None:
    calls: list[int] = []

    async def flaky(ctx: ProbeContext) -> Observation:
        calls.append(1)
        if len(calls) < 3:
            raise TransientError("connection reset")
        return Observation(ok=True, value="up")

    result = await runner(default_retries=2).run(criterion(flaky))
    assert result.status is Status.PASS and result.attempts == 3

    fails: list[int] = []

    async def failing(ctx: ProbeContext) -> Observation:
        fails.append(1)
        return Observation(ok=False, value="down")

    result = await runner(default_retries=2).run(criterion(failing))
    assert result.status is Status.FAIL and len(fails) == 1


@pytest.mark.parametrize(
    "exc",
    [
        ProbeError('column "x" does not exist'),
        FileNotFoundError(2, "No such file or directory", "a.md"),
        PermissionError(13, "Permission denied", "a.md"),
        ValueError("a bug in a probe"),
    ],
)
async def test_an_error_that_would_recur_is_not_retried(exc: Exception) -> None:
    calls: list[int] = []

    async def deterministic(ctx: ProbeContext) -> Observation:
        calls.append(1)
        raise exc

    result = await runner(default_retries=3).run(criterion(deterministic))
    assert result.status is Status.ERROR and (result.attempts, len(calls)) == (1, 1)


@pytest.mark.parametrize(
    "exc",
    [
        TransientError("503"),
        ConnectionRefusedError(111, "Connection refused"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError(),
    ],
)
async def test_an_error_that_may_pass_is_retried(exc: Exception) -> None:
    calls: list[int] = []

    async def transient(ctx: ProbeContext) -> Observation:
        calls.append(1)
        raise exc

    result = await runner(default_retries=2).run(criterion(transient))
    assert result.status is Status.ERROR and (result.attempts, len(calls)) == (3, 3)


async def test_a_transient_fail_waits_its_retry_after_and_is_asked_again() -> None:
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    answers = iter([Observation(ok=False, value="429", transient=True, retry_after=2.0)])

    async def limited(ctx: ProbeContext) -> Observation:
        return next(answers, Observation(ok=True, value="200"))

    ctx = ProbeContext(root=Path("/"))
    r = ProbeRunner(ctx, default_retries=1, retry_backoff=0.5, sleep=fake_sleep)
    result = await r.run(criterion(limited))
    assert (result.status, result.attempts, sleeps) == (Status.PASS, 2, [2.0])


async def test_no_data_is_an_error_never_a_pass_and_is_not_retried() -> None:
    """An observation that found nothing to compare (`measured=False`) is ERROR whatever
    its `ok`; it is an answer, so it is not asked again; its artifacts are kept."""
    calls: list[int] = []

    async def empty(ctx: ProbeContext) -> Observation:
        calls.append(1)
        return Observation(
            ok=True, value="no data", detail="no data: nothing yet",
            artifacts={"size.json": "{}"}, measured=False,
        )  # fmt: skip

    result = await runner(default_retries=2).run(criterion(empty))
    assert (result.status, result.detail, result.attempts) == (
        Status.ERROR,
        "no data: nothing yet",
        1,
    )
    assert dict(result.artifacts) == {"size.json": "{}"} and len(calls) == 1


async def test_retry_backoff_doubles() -> None:
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def broken(ctx: ProbeContext) -> Observation:
        raise TransientError("down")

    ctx = ProbeContext(root=Path("/"))
    r = ProbeRunner(ctx, default_retries=3, retry_backoff=0.5, sleep=fake_sleep)
    result = await r.run(criterion(broken))
    assert result.attempts == 4 and sleeps == [0.5, 1.0, 2.0]


async def test_secrets_redacted_everywhere() -> None:
    async def leaky(ctx: ProbeContext) -> Observation:
        return Observation(
            ok=False,
            value="token hunter2x",
            detail="auth hunter2x failed for postgresql://app:pw1234@db/x",
            output="Authorization: Bearer hunter2x",
            artifacts={"dump.txt": "hunter2x"},
        )

    r = runner(redactor=Redactor(["hunter2x"]))
    result = await r.run(criterion(leaky))
    text = repr(result)
    assert "hunter2x" not in text and "pw1234" not in text
    assert "***" in result.detail and result.artifacts["dump.txt"] == "***"


async def test_concurrency_is_bounded_and_parallel() -> None:
    running = 0
    peak = 0

    async def slow(ctx: ProbeContext) -> Observation:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05)
        running -= 1
        return Observation(ok=True, value="ok")

    r = runner(concurrency=4)
    started = time.perf_counter()
    results = [res async for res in r.run_all(criterion(slow, id=f"c{i}") for i in range(12))]
    elapsed = time.perf_counter() - started
    assert len(results) == 12 and peak == 4
    assert elapsed < 0.6


async def test_closing_run_all_cancels_running_probes() -> None:
    cancelled: list[str] = []

    async def hang(ctx: ProbeContext) -> Observation:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append("x")
            raise
        raise AssertionError("unreachable")

    async def fast(ctx: ProbeContext) -> Observation:
        return Observation(ok=True, value="ok")

    r = runner()
    stream = r.run_all(
        [criterion(fast, id="f"), criterion(hang, id="h1"), criterion(hang, id="h2")]
    )
    first = await anext(stream)
    assert first.criterion_id == "f"
    await stream.aclose()
    assert cancelled == ["x", "x"]


async def test_manual_criterion_is_refused() -> None:
    manual = Criterion(id="m", title="m", manual=True)
    with pytest.raises(ValueError, match="manual"):
        await runner().run(manual)


async def test_timed_probes_start_ahead_of_the_burst() -> None:
    class Timed(ScriptedProbe):
        @property
        def latency_budget(self) -> float | None:
            return 0.5

    timed_started: list[float] = []
    untimed_started: list[float] = []

    async def timed(ctx: ProbeContext) -> Observation:
        timed_started.append(time.perf_counter())
        await asyncio.sleep(0.05)
        return Observation(ok=True, value="fast")

    async def untimed(ctx: ProbeContext) -> Observation:
        untimed_started.append(time.perf_counter())
        return Observation(ok=True, value="other")

    timed_criterion = Criterion.model_construct(
        id="t", title="t", probe=Timed(behaviour=timed), manual=False, timeout=None, retries=None
    )
    criteria = [criterion(untimed, id=f"u{i}") for i in range(5)] + [timed_criterion]
    results = [r async for r in runner().run_all(criteria)]
    assert len(results) == 6
    assert min(untimed_started) >= max(timed_started) + 0.045  # after the timed one answered


async def test_headless_runs_isolate_timed_probes_without_holding_the_burst() -> None:
    """`gonogo check`: timed probes start first on their own loop; the rest do not wait."""

    class Timed(ScriptedProbe):
        @property
        def latency_budget(self) -> float | None:
            return 30.0  # a head start would hold the others for 30 s

    events: list[str] = []
    answered = threading.Event()

    async def timed(ctx: ProbeContext) -> Observation:
        events.append("timed started")
        others_started = await asyncio.to_thread(answered.wait, 5)
        return Observation(ok=True, value="fast" if others_started else "others held back")

    async def untimed(ctx: ProbeContext) -> Observation:
        events.append("untimed started")
        answered.set()  # the timed probe answers only once an untimed one has started
        return Observation(ok=True, value="other")

    timed_criterion = Criterion.model_construct(
        id="t", title="t", probe=Timed(behaviour=timed), manual=False, timeout=None, retries=None
    )
    criteria = [criterion(untimed, id=f"u{i}") for i in range(3)] + [timed_criterion]
    headless = runner(isolate_timed=True, head_start=False)
    results = {r.criterion_id: r async for r in headless.run_all(criteria)}
    assert results["t"].status is Status.PASS and results["t"].value == "fast"
    assert events.count("untimed started") == 3


def test_a_burst_starts_timed_probes_then_web_apis_then_databases_then_local_work() -> None:
    from gonogo_tui.core.engine import start_order
    from gonogo_tui.core.probes import FileProbe, HttpProbe, SqlProbe

    web = HttpProbe(kind="http", url="http://127.0.0.1:9/")
    timed = HttpProbe(kind="http", url="http://127.0.0.1:9/", max_ms=100)
    database = SqlProbe(kind="sql", dsn="postgresql://127.0.0.1:9/x", query="SELECT 1")
    local = FileProbe(kind="file", path="x")
    manual = Criterion(id="m", title="m", manual=True)
    criteria = [
        Criterion.model_construct(id=name, title=name, probe=probe, manual=False)
        for name, probe in [
            ("local", local), ("db", database), ("web1", web), ("timed", timed), ("web2", web)
        ]
    ]  # fmt: skip
    order = [c.id for c in start_order([manual, *criteria])]
    assert order == ["timed", "web1", "web2", "db", "local"]


async def test_isolated_timed_probe_runs_on_its_own_loop() -> None:
    import threading

    class Timed(ScriptedProbe):
        @property
        def latency_budget(self) -> float | None:
            return 0.1

    seen: dict[str, object] = {}

    async def timed(ctx: ProbeContext) -> Observation:
        seen["loop"] = asyncio.get_running_loop()
        seen["thread"] = threading.get_ident()
        return Observation(ok=True, value="fast")

    timed_criterion = Criterion.model_construct(
        id="t", title="t", probe=Timed(behaviour=timed), manual=False, timeout=None, retries=None
    )
    result = await runner(isolate_timed=True).run(timed_criterion)
    assert result.status is Status.PASS and result.value == "fast"
    assert seen["loop"] is not asyncio.get_running_loop()
    assert seen["thread"] != threading.get_ident()
    result = await runner().run(timed_criterion)
    assert seen["loop"] is asyncio.get_running_loop()
