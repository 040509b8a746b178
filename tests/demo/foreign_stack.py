"""Helpers of the foreign-stack tests: run the probes of a checklist in-process on a demo
environment, and the foreign flavour's checklist adapted by hand (for the fault matrix)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

from gonogo_tui.core.checklist import Checklist, Criterion, load_checklist
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.probes.base import ProbeResult
from gonogo_tui.demo.environment import DemoEnvironment

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "checklists" / "spark-trading.yaml"
CONTRACT_SQL = REPO / "checklists" / "contract" / "spark_trading.sql"

Outcome = dict[str, tuple[str, str]]
"""Criterion id -> (status, detail)."""

FOREIGN_VARIABLES = {
    "LAST_BACKUP_COLUMN": "base_backup_completed_at",
    "LAST_PITR_TEST_COLUMN": "pitr_drill_completed_at",
    "DB_CONNECTIONS_IN_USE_METRIC": "db_pool_active_connections",
    "DB_CONNECTIONS_CAPACITY_METRIC": "db_pool_max_connections",
    "WS_STALENESS_METRIC": "websocket_feed_staleness_seconds",
    "CPU_METRIC": 'api_resource_usage_ratio{resource="cpu"}',
    "MEMORY_METRIC": 'api_resource_usage_ratio{resource="memory"}',
}
"""The shipped checklist's variables set for the foreign flavour, by hand."""
FOREIGN_TEXT_EDITS = (
    ("size_growth_pct_per_day", "growth_pct_per_day"),
    (
        "histogram: 'http_request_duration_seconds{route",
        "histogram: 'http_server_requests_seconds{uri",
    ),
    ("gauge: error_rate\n", "gauge: api_errors_ratio\n"),
    ("datasources: [spark-prometheus, spark-postgres]", "datasources: [prom-main, pg-backups]"),
)
"""Field edits of the shipped checklist for the foreign flavour, by hand."""


def foreign_checklist(folder: Path) -> Path:
    """The shipped checklist with `FOREIGN_TEXT_EDITS` made, written in `folder`."""
    text = SHIPPED.read_text(encoding="utf-8")
    for old, new in FOREIGN_TEXT_EDITS:
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "foreign-fit.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load(
    path: Path, environment: DemoEnvironment, extra: dict[str, str] | None = None
) -> Checklist:
    """The checklist with the environment's variables (and `extra`)."""
    return load_checklist(path, environ={**environment.variables, **(extra or {})})


def run_probes(
    checklist: Checklist, environment: DemoEnvironment, only: Iterable[str] | None = None
) -> Outcome:
    """Every probed criterion (or those of `only`) run once, timed ones first on their own
    as `gonogo check` runs them; no retry waits."""
    wanted = set(only) if only is not None else None
    probed = [
        criterion
        for _, criterion in checklist.criteria()
        if criterion.probe is not None and (wanted is None or criterion.id in wanted)
    ]
    timed = [c for c in probed if c.probe is not None and c.probe.latency_budget]
    rest = [c for c in probed if c not in timed]
    results: dict[str, ProbeResult] = {}
    for group in (timed, rest):
        if group:
            results |= asyncio.run(_run(checklist, environment, group))
    return {key: (result.status.value, result.detail) for key, result in results.items()}


async def _run(
    checklist: Checklist, environment: DemoEnvironment, criteria: list[Criterion]
) -> dict[str, ProbeResult]:
    runner = ProbeRunner.for_checklist(
        checklist,
        root=environment.root,
        evidence_dir=environment.evidence_dir,
        retry_backoff=0.0,
        head_start=False,
    )
    try:
        return {result.criterion_id: result async for result in runner.run_all(criteria)}
    finally:
        await runner.aclose()
