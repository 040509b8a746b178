"""Spreading a headless burst of probes over worker processes, by kind of work.

`gonogo check` spends much of its time on CPU, not waiting: importing a client library
(psycopg and libpq, httpx, prometheus_client), building requests, parsing answers, and one
event loop uses one core. So after the checklist is loaded, `run_in_workers` may fork a
worker per further core and give it whole kinds of work (`ProbeSpec.start_tier`: web
APIs, databases, this machine), runs the rest itself and gathers the results the workers
stream back through a pipe. A kind of work is never split between processes: each
process would pay the library's import again, and a burst of one kind (a thousand `http`
probes) is bound by its targets, which run on the same cores when they are local.
`shares.plan_shares` balances the kinds by rough CPU estimates; probes that time their target
(`latency_budget`) stay in the first process, where the runner isolates them.

A worker can never turn into a PASS by failing: a probe whose result does not come back
(the worker crashed, was killed, or overran its deadline and was killed) is ERROR with a
detail that says so. Workers are reaped before `run_in_workers` returns; none is left.

Forking needs `os.fork` (Linux, macOS) and a process without threads, which `gonogo check`
is until its probes start; elsewhere, with one core, with a single kind of work or too
few probes, the burst runs in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from gonogo_tui.core.checklist import Criterion
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.execution.shares import (
    plan_shares,
    share_concurrency,
    worker_count,
)
from gonogo_tui.core.probes.base import ProbeResult

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal a process gets when its parent dies."""

STOP_GRACE = 2.0
"""Seconds a worker gets to cancel its probes after SIGTERM before SIGKILL."""

DEADLINE_SLACK = 5.0
"""Seconds a worker gets beyond the time its probes can take by their own deadlines."""

ProbeRunnerFactory = Callable[[int], ProbeRunner]
"""Builds the runner of one process, given the concurrency that process may use."""


async def collect(runner: ProbeRunner, criteria: Sequence[Criterion]) -> list[ProbeResult]:
    """Run `criteria` with `runner` (then close its clients); the results as they came."""
    results: list[ProbeResult] = []
    try:
        async for result in runner.run_all(criteria):
            results.append(result)
    finally:
        await runner.aclose()
    return results


def run_in_workers(
    criteria: Iterable[Criterion],
    make_runner: ProbeRunnerFactory,
    *,
    concurrency: int,
    workers: int | None = None,
    deadline_slack: float = DEADLINE_SLACK,
) -> dict[str, ProbeResult]:
    """Run every probed criterion, spread over worker processes; results by criterion id.

    Must be called with no event loop running and no other thread started (it forks).

    Args:
        criteria: the criteria; manual ones are skipped.
        make_runner: builds a runner for a process, given its share of `concurrency`.
        concurrency: probes running at once in all processes together.
        workers: processes to use; None for one per core (and only when worth it).
        deadline_slack: seconds a worker gets beyond what its probes' deadlines allow.
    """
    probed = [c for c in criteria if c.probe is not None]
    count = worker_count(workers, len(probed), concurrency)
    if count > 1 and threading.active_count() > 1:
        # A fork copies only this thread: a lock another thread holds would never be
        # released in the worker. `gonogo check` forks before any thread starts.
        log.debug("not forking probe workers: other threads are running")
        count = 1
    shares = plan_shares(probed, count) if count > 1 else [probed]
    if len(shares) == 1:
        runner = make_runner(concurrency)
        return {r.criterion_id: r for r in asyncio.run(collect(runner, probed))}
    limits = share_concurrency([len(share) for share in shares], concurrency)
    # Nothing buffered may be written twice: the workers inherit these buffers.
    sys.stdout.flush()
    sys.stderr.flush()
    own = list(shares[0])
    started: list[_Worker] = []
    try:
        for share, limit in zip(shares[1:], limits[1:], strict=True):
            try:
                started.append(_Worker.fork(share, make_runner, limit, deadline_slack, started))
            except OSError as exc:  # no process or pipe to spare: run the share here
                log.debug("could not fork a probe worker (%s); running its probes here", exc)
                own += share
        own_limit = limits[0] if len(own) == len(shares[0]) else concurrency
        return asyncio.run(_gather(own, make_runner(own_limit), started))
    finally:
        for worker in started:
            worker.stop()


@dataclass
class _Worker:
    """A forked process running a share of the probes, streaming results as JSON lines."""

    pid: int
    fd: int
    criteria: list[Criterion]
    deadline: float
    """`time.monotonic()` after which the worker is stopped."""
    started_at: float
    results: dict[str, ProbeResult] = field(default_factory=dict)
    exit_detail: str = ""
    _buffer: bytearray = field(default_factory=bytearray)
    _scanned: int = 0
    """Bytes of `_buffer` known to hold no line break."""
    _reaped: bool = False
    _closed: bool = False

    @classmethod
    def fork(
        cls,
        criteria: list[Criterion],
        make_runner: ProbeRunnerFactory,
        concurrency: int,
        slack: float,
        siblings: Sequence[_Worker] = (),
    ) -> _Worker:
        """Start a worker for `criteria`; the parent gets its handle.

        Raises:
            OSError: no pipe or no process could be made (nothing is left open).
        """
        runner = make_runner(concurrency)
        allowance = _time_allowed(runner, criteria, concurrency) + slack
        read_fd, write_fd = os.pipe()
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            raise
        if pid == 0:  # pragma: no cover - runs in the child, which leaves by os._exit only
            code = 1
            try:
                os.close(read_fd)
                for sibling in siblings:  # their pipes are the parent's to read
                    with contextlib.suppress(OSError):
                        os.close(sibling.fd)
                _die_with(parent)
                code = _work(runner, criteria, write_fd)
            except BaseException:  # noqa: BLE001 - nothing may unwind into the parent's code
                code = 1
            finally:
                os._exit(code)
        os.close(write_fd)
        os.set_blocking(read_fd, False)
        now = time.monotonic()
        return cls(pid, read_fd, criteria, now + allowance, now)

    def feed(self) -> bool:
        """Read what the worker wrote; False at the end of its stream."""
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return True
            except OSError:
                chunk = b""
            if not chunk:
                if self._buffer.strip():
                    self._handle(bytes(self._buffer))  # a last line without its break
                self._buffer.clear()
                return False
            self._buffer += chunk
            self._take_lines()

    def _take_lines(self) -> None:
        """Handle every complete line; the scan resumes where it stopped (a result line
        can be tens of megabytes read 64 KiB at a time)."""
        while (end := self._buffer.find(b"\n", self._scanned)) >= 0:
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            self._scanned = 0
            if line.strip():
                self._handle(line)
        self._scanned = len(self._buffer)

    def _handle(self, line: bytes) -> None:
        try:
            result = ProbeResult.from_dict(json.loads(line))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("worker %d sent an unreadable result: %s", self.pid, exc)
            return
        self.results[result.criterion_id] = result

    def stop(self, grace: float = STOP_GRACE) -> None:
        """End the worker if it still runs (SIGTERM: its probes are cancelled and clean up,
        commands' process groups included; SIGKILL after `grace` seconds), reap it, read
        what it wrote before it ended and close its pipe."""
        if not self._reaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            until = time.monotonic() + grace
            while not self.reap(block=False) and time.monotonic() < until:
                time.sleep(0.01)
            if not self._reaped:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
                self.reap(block=True)
        if not self._closed:
            with contextlib.suppress(OSError):
                while self.feed():  # the worker is gone: this ends at the end of the pipe
                    pass
            self._closed = True
            with contextlib.suppress(OSError):
                os.close(self.fd)

    def reap(self, *, block: bool) -> bool:
        """Collect the worker's exit status; whether it has exited."""
        if self._reaped:
            return True
        try:
            pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            self._reaped = True
            return True
        if pid == 0:
            return False
        self._reaped = True
        if os.WIFSIGNALED(status):
            self.exit_detail = f"was killed by signal {os.WTERMSIG(status)}"
        elif os.waitstatus_to_exitcode(status) != 0:
            self.exit_detail = f"exited with status {os.waitstatus_to_exitcode(status)}"
        return True

    def missing(self, runner: ProbeRunner) -> list[ProbeResult]:
        """ERROR results for the criteria this worker did not report."""
        why = self.exit_detail or "ended without reporting it"
        return [
            runner.error_result(
                criterion,
                f"the worker process running this probe {why}; not measured",
                duration_ms=(time.monotonic() - self.started_at) * 1000,
            )
            for criterion in self.criteria
            if criterion.id not in self.results
        ]


def _time_allowed(runner: ProbeRunner, criteria: Sequence[Criterion], concurrency: int) -> float:
    """Seconds the worker's probes can take by their own deadlines, waves and retries
    included."""
    longest = 0.0
    for criterion in criteria:
        retries = runner.default_retries if criterion.retries is None else criterion.retries
        attempts = retries + 1
        # A retry waits the backoff, or what the server asked (at most the deadline).
        backoff = runner.retry_backoff * (2**retries - 1) + retries * runner.timeout_for(criterion)
        longest = max(longest, runner.timeout_for(criterion) * attempts + backoff)
    waves = math.ceil(len(criteria) / max(1, concurrency))
    return longest * waves


def _die_with(parent: int) -> None:  # pragma: no cover - runs in the child
    """Have the kernel send SIGTERM to this worker when `parent` dies (Linux), so that a
    kill -9 of `gonogo check` leaves no worker (and no probe's command) running on."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except Exception:  # not Linux, or no ctypes: the worker ends with its probes
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _work(runner: ProbeRunner, criteria: Sequence[Criterion], fd: int) -> int:  # pragma: no cover
    """The worker's life: run the probes, write each result as one JSON line; exit code.

    SIGINT is left as it was (Ctrl-C cancels the probes as in a single process; ignored
    stays ignored); SIGTERM, from the parent or the parent's death, cancels them too, and
    cancelled probes clean up (a command's process group is killed).
    """

    async def main() -> None:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            async for result in runner.run_all(criteria):
                _write_all(fd, (json.dumps(result.to_dict()) + "\n").encode("utf-8"))
        finally:
            await runner.aclose()

    try:
        asyncio.run(main())
        return 0
    except BrokenPipeError:
        return 3
    except (asyncio.CancelledError, KeyboardInterrupt):
        return 4
    except BaseException as exc:  # the worker must leave through os._exit, whatever happens
        with contextlib.suppress(Exception):
            log.warning("probe worker failed: %s", type(exc).__name__)
        return 1
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)
        with contextlib.suppress(Exception):
            logging.shutdown()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


async def _gather(
    own: Sequence[Criterion], runner: ProbeRunner, workers: list[_Worker]
) -> dict[str, ProbeResult]:
    """Run this process's share while reading the workers' streams; every result."""
    loop = asyncio.get_running_loop()
    open_streams = {worker.fd: worker for worker in workers}
    changed = asyncio.Event()

    def on_readable(worker: _Worker) -> None:
        if not worker.feed():
            loop.remove_reader(worker.fd)
            open_streams.pop(worker.fd, None)
            changed.set()

    for worker in workers:
        loop.add_reader(worker.fd, on_readable, worker)
    try:
        results = {r.criterion_id: r for r in await collect(runner, own)}
        while open_streams:
            changed.clear()
            remaining = min(w.deadline for w in open_streams.values()) - time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), max(0.0, remaining))
            now = time.monotonic()
            for fd, worker in list(open_streams.items()):
                if worker.deadline <= now:  # overran what its probes' deadlines allow
                    loop.remove_reader(fd)
                    del open_streams[fd]
                    worker.stop()
                    worker.exit_detail = "did not finish in time and was stopped"
    finally:
        for fd in list(open_streams):
            loop.remove_reader(fd)
    for worker in workers:
        if not worker.exit_detail:  # its stream ended: it is leaving on its own
            worker.reap(block=True)
        worker.stop()
        results.update(worker.results)
        for result in worker.missing(runner):
            results[result.criterion_id] = result
    return results


__all__ = ["collect", "run_in_workers"]
