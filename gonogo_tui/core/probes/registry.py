"""Which runner measures each probe kind, found by name when a probe first runs.

A kind is two modules: its spec (the checklist fields, validated when a checklist loads)
and its runner (the client library and the checks, needed only when it runs). Specs never
import runners: this table names each kind's runner as a module and function, and
`ProbeSpec.run` imports it on first use, so loading a checklist imports no client library
and no spec depends on its runner. A new kind adds its spec to `AnyProbe`
(`probes/__init__.py`), one line here, and its two modules to the import contract in
`pyproject.toml` ("probe specs ... never import a probe runner").

This module imports nothing of gonogo's: the spec base calls it, and the runners it loads
import the specs.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

Run = Callable[[Any, Any], Awaitable[Any]]
"""A runner's entry point: `(spec, ctx) -> Observation` (typed in the runner itself)."""
Prepare = Callable[[Any, Any], Awaitable[None]]
"""A runner's warm-up: `(spec, ctx) -> None`, outside any timing."""


@dataclass(frozen=True)
class RunnerRef:
    """Where a kind's runner lives, as `module:function` references (imported on use)."""

    run: str
    """The coroutine function `(spec, ctx) -> Observation`."""
    prepare: str | None = None
    """An optional coroutine function `(spec, ctx) -> None` warming up what `run` needs."""


_P = "gonogo_tui.core.probes"

RUNNERS: Mapping[str, RunnerRef] = MappingProxyType(
    {
        "command": RunnerRef(f"{_P}.command_run:run_command_probe"),
        "coverage": RunnerRef(f"{_P}.coverage_run:run_coverage_probe"),
        "file": RunnerRef(f"{_P}.file_run:run_file_probe"),
        "github_runs": RunnerRef(f"{_P}.github_runs_run:run_github_runs_probe"),
        "grafana_dashboard": RunnerRef(f"{_P}.grafana.run:run_grafana_probe"),
        "http": RunnerRef(
            f"{_P}.http.run:run_http_probe", prepare=f"{_P}.http.warm_up:prepare_http_probe"
        ),
        "junit": RunnerRef(f"{_P}.junit_run:run_junit_probe"),
        "metrics": RunnerRef(f"{_P}.metrics_run:run_metrics_probe"),
        "oncall": RunnerRef(f"{_P}.oncall_run:run_oncall_probe"),
        "pg_health": RunnerRef(f"{_P}.pg_health_run:run_pg_health_probe"),
        "pgbouncer": RunnerRef(f"{_P}.pgbouncer_run:run_pgbouncer_probe"),
        "prometheus": RunnerRef(f"{_P}.prometheus_run:run_prometheus_probe"),
        "sql": RunnerRef(f"{_P}.sql_run:run_sql_probe"),
        "window": RunnerRef(f"{_P}.window_run:run_window_probe"),
    }
)
"""Every shipped kind, by its `kind` value."""


def load(reference: str) -> Any:
    """The object a `module:name` reference names, its module imported now if need be."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


@functools.cache  # a burst asks once per probe; importlib's lookup takes its import lock
def runner_for(kind: str) -> Run:
    """The function that measures a probe of `kind` (its module imported now if need be).

    Raises:
        KeyError: no runner is registered for `kind`.
    """
    run: Run = load(RUNNERS[kind].run)
    return run


@functools.cache
def preparer_for(kind: str) -> Prepare | None:
    """The warm-up of `kind`'s runner, or None when it has none (or is not registered)."""
    ref = RUNNERS.get(kind)
    if ref is None or ref.prepare is None:
        return None
    prepare: Prepare = load(ref.prepare)
    return prepare


__all__ = ["RUNNERS", "Prepare", "Run", "RunnerRef", "load", "preparer_for", "runner_for"]
