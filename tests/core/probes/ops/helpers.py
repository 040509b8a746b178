"""Helpers for the operations probe tests: a fixed clock, a context, a run through the engine."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from gonogo_tui.core.checklist import Criterion
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.probes import AnyProbe
from gonogo_tui.core.probes.base import ProbeContext, ProbeResult, ProbeSpec
from gonogo_tui.core.redaction import Redactor

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
"""Thursday 26 November 2026, 10:00 UTC: the tests' fixed clock."""

_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyProbe)


def spec(**fields: Any) -> Any:
    """Validate a probe spec exactly as the checklist loader does (by the `kind` union)."""
    return _ADAPTER.validate_python(fields)


def context(
    root: Path | None = None,
    *,
    now: datetime | Callable[[], datetime] = T0,
    evidence_dir: Path | None = None,
    timeout: float = 10.0,
) -> ProbeContext:
    """A context with a fixed (or given) clock."""
    clock = now if callable(now) else (lambda: now)
    return ProbeContext(
        root=root or Path("/"), now=clock, evidence_dir=evidence_dir, timeout=timeout
    )


def run_engine(
    probe: ProbeSpec,
    ctx: ProbeContext,
    *,
    secrets: tuple[str, ...] = (),
    timeout: float | None = None,
) -> ProbeResult:
    """Run one probe through the real engine (deadline, error mapping, redaction)."""
    criterion = Criterion(id="c1", title="criterion", probe=probe, timeout=timeout)
    runner = ProbeRunner(ctx, retry_backoff=0, redactor=Redactor(secrets))
    return asyncio.run(runner.run(criterion))


async def arun_engine(
    probe: ProbeSpec, ctx: ProbeContext, *, secrets: tuple[str, ...] = ()
) -> ProbeResult:
    """Like `run_engine`, inside a running event loop."""
    criterion = Criterion(id="c1", title="criterion", probe=probe)
    runner = ProbeRunner(ctx, retry_backoff=0, redactor=Redactor(secrets))
    return await runner.run(criterion)


def respec(probe: ProbeSpec, **changes: Any) -> Any:
    """A validated copy of `probe` with some fields changed."""
    fields = probe.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return spec(**{**fields, **changes})
