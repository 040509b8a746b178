"""A criterion's measured number and unit, and the comparison that says which way is worse.

The record keeps `measured: {number, unit}` for each criterion whose probe measured a
number against one threshold (`< 24 h`, `≥ 95 %`, `p95 ≤ 500 ms`), so the next meetings can
say what changed since the last GO (`core/deltas.py`). The number is read from what the
room reads (`core/readings.py`), so it is in the unit the row shows: `30 h old` is 30 `h`.
Probes measuring several things or no number (a status page, a list of alerts) have none.
A probe comparing several series on their own (metrics `gauge: [cpu, memory]`, the worst is
the value) also keeps which one it was (`of: "cpu"`): numbers of different series are never
compared (`core/deltas.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gonogo_tui.core.probes.base import ProbeResult, ProbeSpec, Status
from gonogo_tui.core.probes.command import CommandProbe
from gonogo_tui.core.probes.coverage import CoverageProbe
from gonogo_tui.core.probes.http.spec import HttpProbe
from gonogo_tui.core.probes.metrics import MetricsProbe
from gonogo_tui.core.probes.pgbouncer import PgBouncerProbe
from gonogo_tui.core.probes.sql import SqlProbe
from gonogo_tui.core.readings import reading
from gonogo_tui.core.types import Comparison

# The last number of a reading and the unit after it: `p95 99 ms` -> 99 `ms`, `30 h old`
# -> 30 `h`; a number glued to letters before it (`p95`, `k8s`) is a name, not a value.
_VALUE = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?)(?:\s*(%(?:/\w+)?|[A-Za-z]+(?:/\w+)?))?")
_NOT_UNITS = frozenset({"old", "max", "rows", "row"})


@dataclass(frozen=True)
class Measured:
    """A number as the room reads it, with its unit (`99`, `ms`)."""

    number: float
    unit: str
    of: str = ""
    """Which series it is, when the probe compares several on their own (`cpu`); else empty."""

    def to_dict(self) -> dict[str, float | str]:
        """The record's `measured` field (`of` only when it names a series)."""
        data: dict[str, float | str] = {"number": self.number, "unit": self.unit}
        if self.of:
            data["of"] = self.of
        return data

    def same_series(self, other: Measured) -> bool:
        """Whether the two numbers can be compared: the same unit and the same series."""
        return self.unit == other.unit and self.of == other.of


def comparison_of(probe: ProbeSpec | None) -> Comparison | None:
    """The one threshold a probe's number is held to, or None (none, or several)."""
    if isinstance(probe, SqlProbe):
        checks = probe.column_checks
        return checks[0].compare if len(checks) == 1 else None
    if isinstance(probe, MetricsProbe | CoverageProbe):
        return probe.compare
    if isinstance(probe, HttpProbe):
        if len(probe.header_numbers) == 1 and probe.max_ms is None:
            return probe.header_numbers[0].compare
        if probe.max_ms is not None and not probe.header_numbers:
            return Comparison("<=", float(probe.max_ms))
        return None
    if isinstance(probe, CommandProbe):
        return probe.extract.compare if probe.extract is not None else None
    if isinstance(probe, PgBouncerProbe):
        return probe.max_utilization
    return None


def measure(probe: ProbeSpec | None, result: ProbeResult | None) -> Measured | None:
    """The number a PASS or FAIL measured against the probe's one threshold, in the unit the
    room reads; None when the probe has no such threshold or the value holds no number."""
    if result is None or result.status not in (Status.PASS, Status.FAIL):
        return None
    if comparison_of(probe) is None:
        return None
    found = None
    value = reading(probe, result).value
    for match in _VALUE.finditer(value):
        found = match
    if found is None:
        return None
    unit = found.group(2) or ""
    # Several series each compared on their own: the reading names the worst before its
    # number (`memory 52 %`), and that name says which series the number is.
    several = isinstance(probe, MetricsProbe) and probe.several_gauges
    of = " ".join(value[: found.start()].split()) if several else ""
    return Measured(float(found.group(1)), "" if unit in _NOT_UNITS else unit, of)


__all__ = ["Measured", "comparison_of", "measure"]
