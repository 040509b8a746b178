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
from gonogo_tui.core.probes.file import FileProbe
from gonogo_tui.core.probes.http import HttpProbe
from gonogo_tui.core.probes.sql import SqlProbe

AnyProbe = Annotated[
    FileProbe | CommandProbe | HttpProbe | SqlProbe,
    Field(discriminator="kind"),
]
"""Every probe kind, told apart by its `kind` field."""

__all__ = [
    "AnyProbe",
    "CommandProbe",
    "FileProbe",
    "HttpProbe",
    "Observation",
    "ProbeContext",
    "ProbeResult",
    "ProbeSpec",
    "SqlProbe",
    "Status",
]
