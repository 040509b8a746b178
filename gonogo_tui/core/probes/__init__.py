"""Probe kinds and the discriminated union the checklist loader validates against."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from gonogo_tui.core.probes.base import (
    Observation,
    ProbeContext,
    ProbeResult,
    ProbeSpec,
    Status,
)
from gonogo_tui.core.probes.command import CommandProbe
from gonogo_tui.core.probes.coverage import CoverageProbe
from gonogo_tui.core.probes.file import FileProbe
from gonogo_tui.core.probes.github_runs import GithubRunsProbe
from gonogo_tui.core.probes.grafana import GrafanaDashboardProbe
from gonogo_tui.core.probes.http import HttpProbe
from gonogo_tui.core.probes.junit import JunitProbe
from gonogo_tui.core.probes.metrics import MetricsProbe
from gonogo_tui.core.probes.oncall import OnCallProbe
from gonogo_tui.core.probes.pg_health import PgHealthProbe
from gonogo_tui.core.probes.pgbouncer import PgBouncerProbe
from gonogo_tui.core.probes.prometheus import PrometheusProbe
from gonogo_tui.core.probes.sql import SqlProbe
from gonogo_tui.core.probes.window import WindowProbe

AnyProbe = Annotated[
    FileProbe
    | CommandProbe
    | HttpProbe
    | SqlProbe
    | PrometheusProbe
    | MetricsProbe
    | PgBouncerProbe
    | PgHealthProbe
    | GithubRunsProbe
    | GrafanaDashboardProbe
    | CoverageProbe
    | JunitProbe
    | OnCallProbe
    | WindowProbe,
    Field(discriminator="kind"),
]
"""Every probe kind, told apart by its `kind` field."""

__all__ = [
    "AnyProbe",
    "CommandProbe",
    "CoverageProbe",
    "FileProbe",
    "GithubRunsProbe",
    "GrafanaDashboardProbe",
    "HttpProbe",
    "JunitProbe",
    "MetricsProbe",
    "Observation",
    "OnCallProbe",
    "PgBouncerProbe",
    "PgHealthProbe",
    "ProbeContext",
    "ProbeResult",
    "ProbeSpec",
    "PrometheusProbe",
    "SqlProbe",
    "Status",
    "WindowProbe",
]
