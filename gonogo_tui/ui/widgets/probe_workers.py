"""The review's probe workers: one Textual worker per running probe, results to the session."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from textual.widget import Widget
from textual.worker import Worker, WorkerState

from gonogo_tui.core.checklist import Criterion
from gonogo_tui.core.execution.sustain import is_sustained, run_sustained
from gonogo_tui.core.probes.base import ProbeResult
from gonogo_tui.ui.messages import ProbeFinished, ProbeProgress
from gonogo_tui.ui.session import ReviewSession

PROBE_GROUP_PREFIX = "probe:"
"""Worker group of a criterion's probe: `probe:<criterion id>`."""
START_CHUNK = 16
"""When more than BUSY_PROBES probes start together, their workers start this many per
turn of the event loop, so a key waits for at most a few milliseconds of starting (the
engine runs at most its concurrency at a time anyway). Fewer start at once."""
BUSY_PROBES = 100
"""With more probes than this running, results are recorded and drawn in batches at most
every BUSY_INTERVAL seconds: a frame that shows a result repaints most of the screen (the
header's progress and the decision bar change with each one). Below it, each result is
shown as soon as it arrives."""
BUSY_INTERVAL = 0.1
PROBE_SLICE = 0.005
"""Seconds the probe workers' messages are handled in a row before keys and frames get a
turn of the event loop (Textual handles a queue's messages without yielding)."""


class ProbeWorkers(Widget):
    """Hidden: starts the session's probe runs as workers and hands their results back.

    It owns the workers so that their messages (three or four per probe) queue here and
    not on the screen, whose queue every key passes through on its way to the bindings.
    A burst of messages is handled in slices of PROBE_SLICE seconds, giving the event loop
    a turn in between. Scheduling (chunked starts, batched results) goes through the
    screen's queue, as keys do.
    """

    DEFAULT_CSS = "ProbeWorkers { display: none; }"

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self._session = session
        self._slice_started = 0.0
        self._last_handled = 0.0
        self._to_start: list[tuple[Criterion, int]] = []
        """Probes announced and shown running whose workers start in a later turn."""
        self._worker_of: dict[str, Worker[None]] = {}
        """Each criterion's probe worker until it ends."""
        self._worker_tokens: dict[Worker[None], tuple[str, int]] = {}
        self._arrived: list[ProbeFinished] = []
        """Results posted but not yet recorded (see `on_probe_finished`)."""
        self._last_recorded = 0.0
        session.set_launcher(self.launch)

    def launch(self, runs: Sequence[tuple[Criterion, int]]) -> None:
        """Start these runs' workers (the session's `ProbeLauncher`)."""
        for criterion, _ in runs:
            running = self._worker_of.pop(criterion.id, None)
            if running is not None:
                # One worker per criterion. (Textual's `exclusive` would do it when the new
                # worker starts, by scanning every worker: a million steps for `R`.)
                running.cancel()
        self._to_start.extend(runs)
        if len(self._to_start) == len(runs):  # else a later turn is already due
            self._start_workers(all_now=len(runs) <= BUSY_PROBES)

    def _start_workers(self, *, all_now: bool = False) -> None:
        """Start the waiting probes' workers: all, or START_CHUNK and the rest later."""
        size = len(self._to_start) if all_now else START_CHUNK
        chunk, self._to_start = self._to_start[:size], self._to_start[size:]
        for criterion, token in chunk:
            cid = criterion.id
            if not self._session.is_current(cid, token):
                continue  # started again since: that start is further down the list
            worker = self.run_worker(
                self._probe(criterion, token),
                name=cid,
                group=f"{PROBE_GROUP_PREFIX}{cid}",
                description=f"probe {cid}",
                exit_on_error=False,
            )
            self._worker_tokens[worker] = (cid, token)
            self._worker_of[cid] = worker
        if self._to_start:
            self.screen.call_later(self._start_workers)

    async def _probe(self, criterion: Criterion, token: int) -> None:
        run = self._session.ctx.runner.run
        if is_sustained(criterion):  # sampled over its window; each sample shown as it comes

            def progress(result: ProbeResult) -> None:
                self.post_message(ProbeProgress(result, token))

            result = await run_sustained(criterion, run, on_progress=progress)
        else:
            result = await run(criterion)
        self.post_message(ProbeFinished(result, token))

    def on_probe_progress(self, message: ProbeProgress) -> None:
        message.stop()
        self._session.record_progress(message.result, message.run_token)

    async def stop(self, timeout: float = 3.0) -> None:
        """Cancel every running probe and wait (up to `timeout`) for them to clean up."""
        self._to_start.clear()
        workers = [w for w in self.workers if w.group.startswith(PROBE_GROUP_PREFIX)]
        for worker in workers:
            worker.cancel()
        try:
            async with asyncio.timeout(timeout):
                # A cancelled worker's wait() raises WorkerCancelled: that is the expected end.
                await asyncio.gather(*(w.wait() for w in workers), return_exceptions=True)
        except TimeoutError:
            self.log.warning("probes still cleaning up after cancel")

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self._worker_changed(event)
        await self._take_turns()

    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """Forget a worker that ended; a probe worker that raised ends as an ERROR result."""
        worker = event.worker
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        owner = self._worker_tokens.pop(worker, None)
        if owner is not None and self._worker_of.get(owner[0]) is worker:
            del self._worker_of[owner[0]]
        if event.state is WorkerState.ERROR:
            if owner is not None:
                cid, token = owner
                self.log.error(f"probe worker {cid} raised {worker.error!r}")
                result = self._session.crashed_result(cid, worker.error)
                self.post_message(ProbeFinished(result, token))
            else:
                self.notify(f"{worker.name} failed: {worker.error}", severity="error", timeout=10)

    async def on_probe_finished(self, message: ProbeFinished) -> None:
        message.stop()  # handled: it must not bubble up to the screen as well
        self._probe_finished(message)
        await self._take_turns()

    def _probe_finished(self, message: ProbeFinished) -> None:
        """Record a probe's result (with the others that arrived with it) and show it."""
        # Results arrive in bursts (a thousand probes within two seconds): the ones queued
        # together are journaled with one fsync and published once, after the queue, or
        # with many probes running, once BUSY_INTERVAL has passed since the last batch.
        self._arrived.append(message)
        if len(self._arrived) > 1:
            return
        wait = self._last_recorded + BUSY_INTERVAL - time.monotonic()
        if self._session.running_count > BUSY_PROBES and wait > 0:
            self.screen.set_timer(wait, self._record_arrived)
        else:
            self.screen.call_later(self._record_arrived)

    def _record_arrived(self) -> None:
        if not self._arrived:
            return
        self._last_recorded = time.monotonic()
        arrived, self._arrived = self._arrived, []
        error = self._session.record_results([(m.result, m.run_token) for m in arrived])
        if error is not None:
            self.notify(error, severity="error", timeout=10)

    async def _take_turns(self) -> None:
        now = time.perf_counter()
        if now - self._last_handled > PROBE_SLICE:
            self._slice_started = now  # the queue had run dry: a new burst
        elif now - self._slice_started > PROBE_SLICE:
            await asyncio.sleep(0)
            now = self._slice_started = time.perf_counter()
        self._last_handled = now


__all__ = ["BUSY_INTERVAL", "BUSY_PROBES", "PROBE_GROUP_PREFIX", "START_CHUNK", "ProbeWorkers"]
