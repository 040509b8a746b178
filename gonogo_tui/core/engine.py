"""ProbeRunner: runs probes concurrently with deadlines, retries and error mapping.

A probe never crashes the meeting: every outcome, including an unexpected exception,
becomes a `ProbeResult` whose texts have the checklist's secrets redacted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from gonogo_tui.core.checklist import Checklist, Criterion
from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.execution.timed import HeadStart, run_on_own_loop
from gonogo_tui.core.probes.base import (
    OUTPUT_CAP,
    Observation,
    ProbeContext,
    ProbeResult,
    SharedResources,
    Status,
    one_line,
    utc_now,
)
from gonogo_tui.core.probes.transient import is_transient, retry_after_of
from gonogo_tui.core.redaction import Redactor
from gonogo_tui.core.types import format_duration

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

_BACKOFF = -1.0
"""A retry's wait when the target asked for none: the checklist's doubling backoff."""


class Runner(Protocol):
    """Runs one criterion's probe: `ProbeRunner`, or the review's `ProbeLoop` around it."""

    async def run(self, criterion: Criterion) -> ProbeResult:
        """Measure once; probe failures come back as results, never as exceptions."""
        ...

    def timeout_for(self, criterion: Criterion) -> float:
        """The probe's deadline in seconds."""
        ...

    def announce(self, criteria: Iterable[Criterion]) -> None:
        """Say which probes are about to start together (timed ones then go first)."""
        ...


class ProbeRunner:
    """Runs the probes of a checklist.

    Args:
        ctx: the context every probe receives (root folder, clock, evidence dir).
        concurrency: probes running at once.
        default_timeout: seconds, when neither probe nor criterion sets one.
        default_retries: extra attempts after a failure that may pass next time (a transient
            ERROR, or an HTTP 5xx/429 FAIL; see `core/probes/transient.py`).
        retry_backoff: seconds before the first retry, doubling; 0 in tests.
        redactor: hides secrets in every text of a result.
        sleep: the backoff sleep (injectable).
        isolate_timed: run probes that time their target on a private event loop in a
            worker thread, away from a busy UI loop.
        head_start: let announced timed probes answer before the others start (see
            `announce`); with `isolate_timed` a headless run can do without.
    """

    def __init__(
        self,
        ctx: ProbeContext,
        *,
        concurrency: int = 16,
        default_timeout: float = 10.0,
        default_retries: int = 0,
        retry_backoff: float = 0.5,
        redactor: Redactor | None = None,
        sleep: Sleep = asyncio.sleep,
        isolate_timed: bool = False,
        head_start: bool = True,
    ) -> None:
        self.redactor = redactor or ctx.redactor
        self.ctx = replace(ctx, redactor=self.redactor)
        self.concurrency = concurrency
        self.default_timeout = default_timeout
        self.default_retries = default_retries
        self.retry_backoff = retry_backoff
        self._sleep = sleep
        self._semaphore: asyncio.Semaphore | None = None
        self._shared = SharedResources()
        self.isolate_timed = isolate_timed
        """Run probes with a latency budget on their own event loop (for interactive use)."""
        self.head_start = head_start
        """Whether other probes wait for announced timed ones (bounded by their budget)."""
        self._timed_first = HeadStart()

    @classmethod
    def for_checklist(
        cls,
        checklist: Checklist,
        *,
        root: Path,
        now: Callable[[], datetime] = utc_now,
        evidence_dir: Path | None = None,
        retry_backoff: float | None = None,
        concurrency: int | None = None,
        isolate_timed: bool = False,
        head_start: bool = True,
    ) -> ProbeRunner:
        """A runner configured by the checklist's `defaults` block."""
        defaults = checklist.defaults
        return cls(
            ProbeContext(
                root=root,
                allow_outside_root=defaults.allow_outside_root,
                now=now,
                evidence_dir=evidence_dir,
                timeout=defaults.timeout,
            ),
            concurrency=concurrency or defaults.concurrency,
            default_timeout=defaults.timeout,
            default_retries=defaults.retries,
            retry_backoff=defaults.retry_backoff if retry_backoff is None else retry_backoff,
            redactor=checklist.redactor,
            isolate_timed=isolate_timed,
            head_start=head_start,
        )

    def timeout_for(self, criterion: Criterion) -> float:
        """The deadline that applies to this criterion's probe."""
        probe = criterion.probe
        if probe is not None and probe.timeout is not None:
            return probe.timeout
        if criterion.timeout is not None:
            return criterion.timeout
        return self.default_timeout

    async def run(self, criterion: Criterion) -> ProbeResult:
        """Run one criterion's probe, with its deadline and retries.

        Raises:
            ValueError: the criterion is manual.
        """
        if criterion.probe is None:
            raise ValueError(f"criterion {criterion.id!r} is manual and has no probe")
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.concurrency)
        if criterion.probe.latency_budget:
            try:
                if self.isolate_timed:
                    return await asyncio.to_thread(
                        run_on_own_loop, lambda shared: self._run_isolated(criterion, shared)
                    )
                await self._prepare(criterion)
                return await self._run(criterion)
            finally:
                self._timed_first.finished(criterion.id)
        if self.head_start:
            await self._timed_first.wait()
        return await self._run(criterion)

    def announce(self, criteria: Iterable[Criterion]) -> None:
        """Say which probes are about to start together (a review opening, `run_all`).

        Probes that time their target (`latency_budget`, e.g. http `max_ms`) then go first:
        the others wait until those have answered, or for their budget plus a warm-up
        allowance, so that a burst of probes on one event loop is not measured as the
        target's latency.
        """
        self._timed_first.announce(
            (c.id, budget)
            for c in criteria
            if c.probe is not None and (budget := c.probe.latency_budget)
        )

    async def _prepare(self, criterion: Criterion, shared: SharedResources | None = None) -> None:
        assert criterion.probe is not None
        try:
            await criterion.probe.prepare(replace(self.ctx, shared=shared or self._shared))
        except Exception as exc:  # warming up is best effort; the run reports failures
            log.info("could not prepare %s: %s", criterion.id, exc)

    async def _run_isolated(self, criterion: Criterion, shared: SharedResources) -> ProbeResult:
        """A timed probe on its own loop (see `run_on_own_loop`): an interactive screen keeps
        the main loop busy painting, which must not count as the target's latency."""
        await self._prepare(criterion, shared)
        return await self._run(criterion, shared=shared, bounded=False)

    async def _run(
        self, criterion: Criterion, *, shared: SharedResources | None = None, bounded: bool = True
    ) -> ProbeResult:
        assert criterion.probe is not None
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.concurrency)
        retries = self.default_retries if criterion.retries is None else criterion.retries
        timeout = self.timeout_for(criterion)
        async with self._semaphore if bounded else contextlib.nullcontext():
            started_at = self.ctx.now()
            started = time.perf_counter()
            attempts = 0
            while True:
                attempts += 1
                status, observation, detail, retry = await self._attempt(
                    criterion, timeout, shared or self._shared
                )
                # Only what may pass next time is asked again (`core/probes/transient.py`):
                # a 404, an SQL error or no data would be the same answer after the wait.
                if retry is None or attempts > retries:
                    break
                wait = self.retry_backoff * (2 ** (attempts - 1)) if retry == _BACKOFF else retry
                if retry != _BACKOFF and wait > timeout:
                    # A server asking for more than the probe's own deadline (a rate limit
                    # resetting in an hour) will not have changed its mind in time.
                    detail = (
                        f"{detail} (asked to retry after {format_duration(wait)}, longer than "
                        f"the {format_duration(timeout)} deadline: not retried)"
                    )
                    break
                log.info(
                    "%s: attempt %d failed (%s); retrying in %s",
                    criterion.id,
                    attempts,
                    self.redactor(detail),
                    format_duration(wait),
                )
                await self._sleep(wait)
            duration_ms = (time.perf_counter() - started) * 1000
        return self._result(
            criterion, status, observation, detail, started_at, duration_ms, attempts
        )

    def error_result(
        self, criterion: Criterion, detail: str, *, duration_ms: float = 0.0
    ) -> ProbeResult:
        """An ERROR result for a probe that could not be run at all (redacted like any)."""
        return self._result(
            criterion, Status.ERROR, None, detail, self.ctx.now(), duration_ms, attempts=1
        )

    async def aclose(self) -> None:
        """Close the clients probes shared (connection pools); the runner stays usable."""
        await self._shared.aclose()

    async def run_all(self, criteria: Iterable[Criterion]) -> AsyncIterator[ProbeResult]:
        """Run every probed criterion concurrently; yield results as they finish.

        Timed probes go first (see `announce`). Closing or cancelling the iteration
        cancels every probe still running.
        """
        probed = start_order(criteria)
        self.announce(probed)
        tasks = [asyncio.ensure_future(self.run(criterion)) for criterion in probed]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _attempt(
        self, criterion: Criterion, timeout: float, shared: SharedResources
    ) -> tuple[Status, Observation | None, str, float | None]:
        """One run: status, observation, detail, and when it may pass next time, the wait
        the target asked for (`_BACKOFF` for the checklist's own); None when not worth a retry."""
        assert criterion.probe is not None
        ctx = replace(self.ctx, timeout=timeout, shared=shared)
        try:
            async with asyncio.timeout(timeout):
                observation = await criterion.probe.run(ctx)
        except TimeoutError:
            return Status.ERROR, None, f"timed out after {format_duration(timeout)}", _BACKOFF
        except ProbeError as exc:
            # What the probe found, in full, rides along as the ERROR result's output.
            found = Observation(ok=False, value="", output=exc.output) if exc.output else None
            return Status.ERROR, found, str(exc), _retry(exc)
        except OSError as exc:
            return Status.ERROR, None, _describe_os_error(exc), _retry(exc)
        except Exception as exc:  # the engine boundary: any failure becomes a result
            # anyio (under httpx) wraps a connect failure in a one-exception group.
            failure = _sole_exception(exc)
            if isinstance(failure, OSError):
                return Status.ERROR, None, _describe_os_error(failure), _retry(failure)
            if _is_client_error(failure):
                return Status.ERROR, None, f"{type(failure).__name__}: {failure}", _retry(failure)
            # Logs are outputs too: the exception text may quote a secret, so it is redacted,
            # and the traceback (which may hold local values) is kept for -v debugging only.
            log.warning(
                "probe %s raised %s: %s",
                criterion.id,
                type(failure).__name__,
                self.redactor(str(failure)),
            )
            log.debug("traceback of probe %s", criterion.id, exc_info=True)
            return Status.ERROR, None, f"unexpected {type(failure).__name__}: {failure}", None
        if not observation.measured:  # no data is an answer: asking again finds none
            return Status.ERROR, observation, observation.detail, None
        if observation.ok:
            return Status.PASS, observation, observation.detail, None
        retry = None
        if observation.transient:
            retry = _BACKOFF if observation.retry_after is None else observation.retry_after
        return Status.FAIL, observation, observation.detail, retry

    def _result(
        self,
        criterion: Criterion,
        status: Status,
        observation: Observation | None,
        detail: str,
        started_at: datetime,
        duration_ms: float,
        attempts: int,
    ) -> ProbeResult:
        assert criterion.probe is not None
        redact = self.redactor
        value = observation.value if observation is not None else ""
        output = observation.output if observation is not None else ""
        artifacts = {
            name: redact(text)
            for name, text in (observation.artifacts.items() if observation else ())
        }
        return ProbeResult(
            criterion_id=criterion.id,
            status=status,
            value=one_line(redact(value), 200),
            expected=one_line(redact(criterion.probe.expectation()), 200),
            source=one_line(redact(criterion.probe.source()), 500),
            detail=one_line(redact(detail or ""), 500),
            started_at=started_at,
            duration_ms=duration_ms,
            output=_redact_capped(output, redact),
            attempts=attempts,
            artifacts=artifacts,
        )


def start_order(criteria: Iterable[Criterion]) -> list[Criterion]:
    """The probed criteria in the order a burst starts them: timed probes first, then by
    their kind's `start_tier` (web APIs first, work on this machine last), then in
    checklist order."""
    probed = [criterion for criterion in criteria if criterion.probe is not None]

    def key(criterion: Criterion) -> tuple[bool, int]:
        probe = criterion.probe
        assert probe is not None
        return (not probe.latency_budget, probe.start_tier)

    return sorted(probed, key=key)


def _redact_capped(text: str, redact: Redactor) -> str:
    """Redact, then cap: only the kept part (plus room for a straddling secret) is scanned."""
    if len(text) <= OUTPUT_CAP:
        return redact(text)
    margin = redact.longest + 512
    head = redact(text[: OUTPUT_CAP + margin])[:OUTPUT_CAP]
    return f"{head}\n… [{len(text) - OUTPUT_CAP} more characters not kept]"


def _retry(exc: BaseException) -> float | None:
    """The wait before retrying after `exc` (`_BACKOFF`: the checklist's own), or None when it
    would fail the same way again."""
    if not is_transient(exc):
        return None
    after = retry_after_of(exc)
    return _BACKOFF if after is None else after


def _sole_exception(exc: Exception) -> Exception:
    """The one exception inside (nested) single-exception groups, else `exc` itself."""
    while (
        isinstance(exc, ExceptionGroup)
        and len(exc.exceptions) == 1
        and isinstance(exc.exceptions[0], Exception)
    ):
        exc = exc.exceptions[0]
    return exc


def _describe_os_error(exc: OSError) -> str:
    if exc.strerror:
        target = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{target}"
    return f"{type(exc).__name__}: {exc}"


def _is_client_error(exc: BaseException) -> bool:
    """httpx and psycopg errors are expected failures; matched by module to avoid imports."""
    module = type(exc).__module__
    return module.startswith(("httpx", "psycopg", "httpcore", "ssl"))


__all__ = ["ProbeRunner", "Runner"]
