"""Run every probe of a checklist once, keeping the mismatches each returned as data.

Unlike `gonogo check`, nothing is retried and no decision is taken: doctor wants each
probe's first answer and the `Suggestion`s that came with it (from an `Observation` or a
`ProbeError`), redacted like every other output.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from gonogo_tui.core.checklist import Checklist, Criterion
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.findings import Suggestion
from gonogo_tui.core.probes.base import SharedResources, Status, one_line, utc_now
from gonogo_tui.core.types import format_duration


@dataclass(frozen=True)
class Probed:
    """One criterion's single run, as doctor needs it."""

    criterion_id: str
    at: tuple[str | int, ...]
    """Where the criterion sits in the file: `('sections', 3, 'criteria', 2)`."""
    status: Status
    detail: str
    suggestions: tuple[Suggestion, ...] = ()
    kind: str = ""
    """The probe's kind (`command`, `file`, ...)."""


def probe_once(
    checklist: Checklist,
    *,
    root: Path,
    evidence_dir: Path | None = None,
    now: Callable[[], datetime] = utc_now,
) -> list[Probed]:
    """Run every probed criterion once, in checklist order of the result."""
    return asyncio.run(_probe_all(checklist, root, evidence_dir, now))


async def _probe_all(
    checklist: Checklist, root: Path, evidence_dir: Path | None, now: Callable[[], datetime]
) -> list[Probed]:
    runner = ProbeRunner.for_checklist(
        checklist, root=root, now=now, evidence_dir=evidence_dir, head_start=False
    )
    shared = SharedResources()
    gate = asyncio.Semaphore(checklist.defaults.concurrency)
    placed = [
        (("sections", s_index, "criteria", c_index), criterion)
        for s_index, section in enumerate(checklist.sections)
        for c_index, criterion in enumerate(section.criteria)
        if criterion.probe is not None
    ]

    async def one(at: tuple[str | int, ...], criterion: Criterion) -> Probed:
        async with gate:
            return await _probe(runner, shared, at, criterion)

    # Probes that time their target (http max_ms) run first, on their own, as `gonogo check`
    # runs them: measured inside the burst they would count the other probes' wait as the
    # target's latency, and doctor would report a FAIL that check never sees.
    timed = [(at, c) for at, c in placed if c.probe is not None and c.probe.latency_budget]
    rest = [(at, c) for at, c in placed if (at, c) not in timed]
    try:
        first = {p.criterion_id: p for p in await asyncio.gather(*(one(*x) for x in timed))}
        then = {p.criterion_id: p for p in await asyncio.gather(*(one(*x) for x in rest))}
    finally:
        await shared.aclose()
    found = first | then
    return [found[criterion.id] for _, criterion in placed]


async def _probe(
    runner: ProbeRunner,
    shared: SharedResources,
    at: tuple[str | int, ...],
    criterion: Criterion,
) -> Probed:
    assert criterion.probe is not None
    timeout = runner.timeout_for(criterion)
    ctx = replace(runner.ctx, timeout=timeout, shared=shared)
    redact = runner.redactor
    suggestions: tuple[Suggestion, ...] = ()
    try:
        async with asyncio.timeout(timeout):
            observation = await criterion.probe.run(ctx)
    except TimeoutError:
        status, detail = Status.ERROR, f"timed out after {format_duration(timeout)}"
    except ProbeError as exc:
        status, detail, suggestions = Status.ERROR, str(exc), exc.suggestions
    except Exception as exc:  # a probe that cannot run is an answer too, never a crash
        status, detail = Status.ERROR, f"{type(exc).__name__}: {exc}"
    else:
        suggestions = observation.suggestions
        detail = observation.detail
        if not observation.measured:
            status = Status.ERROR
        else:
            status = Status.PASS if observation.ok else Status.FAIL
    return Probed(
        criterion.id,
        at,
        status,
        one_line(redact(detail), 500),
        tuple(
            replace(s, found=redact(s.found), why=one_line(redact(s.why), 400)) for s in suggestions
        ),
        criterion.probe.kind,
    )


__all__ = ["Probed", "probe_once"]
