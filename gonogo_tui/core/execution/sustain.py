"""Sustained checks (`sustain: {for: 2m, every: 15s}`): a probe sampled again and again.

A sustained criterion passes only when every sample in its window passed. Until the window
is full its result is PENDING ("2 of 8 samples, all passed so far"); the first sample that
does not pass ends the window at once, its status (FAIL, or ERROR when it could not
measure) the criterion's, and the detail says which sample, when, and what it found. The
review screen and `gonogo check` both sample through `run_sustained`; `scale` shortens the
window and the interval alike (`gonogo check --sustain-scale 0.01` in CI).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from gonogo_tui.core.checklist import Criterion
from gonogo_tui.core.clock import iso_utc
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.probes.base import ProbeResult, Sample, Status, cap_text, one_line
from gonogo_tui.core.sparkline import spark_line
from gonogo_tui.core.types import format_duration

Sleep = Callable[[float], Awaitable[None]]
Progress = Callable[[ProbeResult], None]


def is_sustained(criterion: Criterion) -> bool:
    """Whether the criterion's probe samples over a window."""
    return criterion.probe is not None and criterion.probe.sustain is not None


async def run_sustained(
    criterion: Criterion,
    run: Callable[[Criterion], Awaitable[ProbeResult]],
    *,
    scale: float = 1.0,
    on_progress: Progress | None = None,
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> ProbeResult:
    """Sample the criterion's probe over its `sustain` window and combine the samples.

    Args:
        criterion: a criterion whose probe has `sustain`.
        run: measures once (a runner's `run`); each call is one sample.
        scale: multiplies `for` and `every` (1 in a review; e.g. 0.01 for CI).
        on_progress: called with a PENDING result after each passing sample but the last.
        sleep: waits between samples (injectable).
        clock: monotonic seconds, to keep samples `every` apart from their starts.

    Returns:
        PASS when every sample passed, else the first sample that did not, with its status;
        either way with every sample taken so far in `samples`.

    Raises:
        ValueError: the criterion's probe is not sustained.
    """
    if criterion.probe is None or criterion.probe.sustain is None:
        raise ValueError(f"criterion {criterion.id!r} has no sustained probe")
    sustain = criterion.probe.sustain
    count = sustain.count()
    every = sustain.every * scale
    window = format_duration(sustain.window * scale)
    samples: list[Sample] = []
    first: ProbeResult | None = None
    started = clock()
    for index in range(count):
        if index:
            await sleep(max(0.0, started + index * every - clock()))
        result = await run(criterion)
        first = first or result
        # A passing sample's value says it all; the one that did not pass keeps its detail
        # (a window may hold a thousand samples, and each goes into the record).
        said = "" if result.status is Status.PASS else result.detail
        samples.append(Sample(result.started_at, result.status, result.value, said))
        if result.status is not Status.PASS:
            when = iso_utc(result.started_at)
            detail = (
                f"sample {index + 1} of {count} at {when} {result.status.value}: {result.detail}"
            )
            return _combined(result, first, samples, result.status, detail)
        if index + 1 < count and on_progress is not None:
            note = f"{index + 1} of {count} samples, all passed so far (for {window})"
            on_progress(_combined(result, first, samples, Status.PENDING, note))
    assert first is not None
    detail = f"{count} of {count} samples passed over {window}: {result.detail}"
    return _combined(result, first, samples, Status.PASS, detail)


def _combined(
    last: ProbeResult,
    first: ProbeResult,
    samples: list[Sample],
    status: Status,
    detail: str,
) -> ProbeResult:
    """The last sample's result, standing for the window: its status, every sample, and the
    time from the first sample's start."""
    ended = last.started_at.timestamp() + last.duration_ms / 1000
    table = "\n".join(f"{iso_utc(s.at)}\t{s.status.value}\t{s.value}" for s in samples)
    output = f"samples ({spark_line(samples)}):\n{table}"
    if last.output:
        output += f"\n\nlast sample's output:\n{last.output}"
    return replace(
        last,
        status=status,
        detail=one_line(detail, 500),
        started_at=first.started_at,
        duration_ms=max(0.0, (ended - first.started_at.timestamp()) * 1000),
        output=cap_text(output),
        samples=tuple(samples),
    )


async def sample_all(
    criteria: Sequence[Criterion], runner: ProbeRunner, *, scale: float = 1.0
) -> dict[str, ProbeResult]:
    """Sample every sustained criterion at once (headless: `gonogo check`), then close the
    runner's shared clients; results by criterion id."""
    try:
        results = await asyncio.gather(
            *(run_sustained(criterion, runner.run, scale=scale) for criterion in criteria)
        )
    finally:
        await runner.aclose()
    return {result.criterion_id: result for result in results}


__all__ = ["is_sustained", "run_sustained", "sample_all"]
