"""The `coverage` probe: total line coverage from a coverage report, compared with a threshold."""

from __future__ import annotations

from typing import ClassVar, Literal

from gonogo_tui.core.probes.reads_files import ReadsFiles
from gonogo_tui.core.types import Compare, Duration, format_duration

CoverageFormat = Literal["auto", "istanbul", "coveragepy", "cobertura", "lcov"]


class CoverageProbe(ReadsFiles):
    """Reads total line coverage from a report file.

    Formats: istanbul's `coverage-summary.json` (`total.lines`), coverage.py's JSON
    (`totals.covered_lines / totals.num_statements`), Cobertura XML (`lines-covered /
    lines-valid`, else `line-rate`) and lcov (`LH` / `LF` summed over every file, or the
    `DA` lines when those are missing). `auto` tells them apart by their content.
    """

    kind: Literal["coverage"] = "coverage"
    start_tier: ClassVar[int] = 2
    path: str
    """The report, relative to the root (inside it), e.g. `coverage/coverage-summary.json`."""
    format: CoverageFormat = "auto"
    """The report's format; `auto` detects it."""
    compare: Compare
    """The expectation in percent, e.g. `>= 95`."""
    max_age: Duration | None = None
    """The report file was written at most this long ago (its modification time)."""

    def source(self) -> str:
        return self.path if self.format == "auto" else f"{self.path} ({self.format})"

    def expectation(self) -> str:
        age = f", report <= {format_duration(self.max_age)} old" if self.max_age else ""
        return f"line coverage {self.compare}%{age}"
