"""Runs the `coverage` probe: detect the report format, read total line coverage, compare."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes._ops import age_text, fmt_number, refuse_xml_entities
from gonogo_tui.core.probes.base import Observation, ProbeContext
from gonogo_tui.core.probes.confined import Confinement, Stop, excerpt, in_thread, read_bounded
from gonogo_tui.core.probes.coverage import CoverageProbe
from gonogo_tui.core.probes.look_around import not_found
from gonogo_tui.core.types import format_duration

MAX_REPORT_BYTES = 256 * 1024 * 1024
"""Larger reports are refused."""


@dataclass(frozen=True)
class LineCoverage:
    """Covered and total lines (or, for a bare rate, the percentage alone)."""

    format: str
    percent: float
    covered: int | None = None
    total: int | None = None

    def describe(self) -> str:
        """`4812/5000 lines (istanbul)`."""
        if self.covered is not None and self.total is not None:
            return f"{self.covered}/{self.total} lines ({self.format})"
        return f"line rate ({self.format})"


async def run_coverage_probe(spec: CoverageProbe, ctx: ProbeContext) -> Observation:
    """Read the report and compare its total line coverage.

    Raises:
        ProbeError: the report cannot be parsed or its format is not recognised.
    """
    path = ctx.resolve(spec.path)
    confinement = Confinement.of(ctx, spec)
    found = await in_thread(
        ctx, lambda stop: _read(path, spec.format, confinement, stop, ctx.redactor)
    )
    if found is None:
        detail, output, fits = await not_found(
            ctx, f"coverage report not found: {spec.path}", spec.path, "path", accepts=_readable
        )
        return Observation(False, "no report", detail, output, suggestions=fits)
    coverage, mtime = found
    value = f"{fmt_number(coverage.percent)}%"
    now = ctx.now()
    modified = datetime.fromtimestamp(mtime, UTC)
    problems = []
    if not spec.compare.holds(coverage.percent):
        problems.append(f"line coverage {value} is not {spec.compare}%")
    if spec.max_age is not None and (now - modified).total_seconds() > spec.max_age:
        problems.append(
            f"report written {age_text(now, modified)}, older than {format_duration(spec.max_age)}"
        )
    detail = "; ".join(problems) or f"{coverage.describe()}, written {age_text(now, modified)}"
    return Observation(not problems, value, detail, f"{path}: {coverage.describe()}")


CANDIDATE_BYTES = 16 * 1024 * 1024
"""Largest file of a missing report's folder read to see whether it is a report."""


def _readable(path: str) -> bool:
    """Whether a file is a coverage report this kind reads whole (one within the size
    limit that gives a total), so doctor never proposes one it would fail on."""
    try:
        if os.path.getsize(path) > CANDIDATE_BYTES:
            return False
        with open(path, "rb") as report:
            data = report.read(CANDIDATE_BYTES)
        read_coverage(data, "auto", os.path.basename(path), lambda text: text)
    except (OSError, ValueError, ProbeError):
        return False
    return True


def _read(
    path: Path, fmt: str, confinement: Confinement, stop: Stop, redact: Callable[[str], str]
) -> tuple[LineCoverage, float] | None:
    """The report's coverage and modification time; None when there is no such file."""
    real = confinement.check(path)
    if not os.path.isfile(real):
        return None
    mtime = os.stat(real).st_mtime
    data, _ = read_bounded(
        real, MAX_REPORT_BYTES, stop, shown=path.name, refuse_larger="a coverage report"
    )
    return read_coverage(data, fmt, path.name, redact), mtime


def detect_format(data: bytes, name: str = "") -> str:
    """Tell the report format from the content (and, for lcov, the name).

    Raises:
        ProbeError: not a known coverage format.
    """
    head = data[:4096].lstrip()
    if head.startswith(b"{"):
        try:
            document = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ProbeError(f"{name}: not valid JSON") from None
        if isinstance(document, dict) and isinstance(document.get("totals"), dict):
            return "coveragepy"
        if isinstance(document, dict) and isinstance(document.get("total"), dict):
            return "istanbul"
        raise ProbeError(f"{name}: JSON without 'total' (istanbul) or 'totals' (coverage.py)")
    if head.startswith(b"<") and b"<coverage" in data[:65536]:
        return "cobertura"
    if b"end_of_record" in data or head.startswith((b"TN:", b"SF:")) or name.endswith(".info"):
        return "lcov"
    raise ProbeError(
        f"{name}: not a known coverage report (istanbul, coverage.py, Cobertura, lcov)"
    )


def read_coverage(
    data: bytes,
    fmt: str = "auto",
    name: str = "report",
    redact: Callable[[str], str] = str,
) -> LineCoverage:
    """Total line coverage of a report given as bytes.

    `redact` hides secrets in the bit of the report an error message quotes, before it is
    cut short.

    Raises:
        ProbeError: the report cannot be read as that format.
    """
    if fmt == "auto":
        fmt = detect_format(data, name)
    try:
        if fmt == "istanbul":
            return _istanbul(json.loads(data))
        if fmt == "coveragepy":
            return _coveragepy(json.loads(data))
        if fmt == "cobertura":
            return _cobertura(data, name)
        return _lcov(data.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ProbeError(f"{name}: cannot be read as {fmt}") from None
    except (KeyError, TypeError, ValueError) as exc:
        # The message of int("...") quotes the report's text: a short excerpt at most.
        raise ProbeError(
            f"{name}: not a {fmt} report ({type(exc).__name__}: {excerpt(str(exc), redact)})"
        ) from None


def _istanbul(document: Any) -> LineCoverage:
    lines = document["total"]["lines"]
    total, covered = int(lines["total"]), int(lines["covered"])
    return LineCoverage("istanbul", _percent(covered, total, "istanbul"), covered, total)


def _coveragepy(document: Any) -> LineCoverage:
    totals = document["totals"]
    total, covered = int(totals["num_statements"]), int(totals["covered_lines"])
    return LineCoverage("coverage.py", _percent(covered, total, "coverage.py"), covered, total)


def _cobertura(data: bytes, name: str) -> LineCoverage:
    import xml.etree.ElementTree as ElementTree

    refuse_xml_entities(data, name)
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ProbeError(f"{name}: XML does not parse ({exc})") from None
    if root.tag != "coverage":
        raise ProbeError(f"{name}: root element is <{root.tag}>, not Cobertura's <coverage>")
    covered, valid = root.get("lines-covered"), root.get("lines-valid")
    if covered is not None and valid is not None and int(valid) > 0:
        return LineCoverage(
            "Cobertura", _percent(int(covered), int(valid), "Cobertura"), int(covered), int(valid)
        )
    rate = root.get("line-rate")
    if rate is None:
        raise ProbeError(f"{name}: <coverage> has neither lines-covered/lines-valid nor line-rate")
    if not 0.0 <= float(rate) <= 1.0:  # NaN too
        raise ProbeError(f"{name}: line-rate {rate} is not between 0 and 1")
    return LineCoverage("Cobertura", 100.0 * float(rate))


def _lcov(text: str) -> LineCoverage:
    found = hit = 0
    file_found = file_hit = None
    file_da_found = file_da_hit = 0
    records = 0
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("SF:"):
            file_found = file_hit = None
            file_da_found = file_da_hit = 0
        elif line.startswith("LF:"):
            file_found = int(line[3:])
        elif line.startswith("LH:"):
            file_hit = int(line[3:])
        elif line.startswith("DA:"):
            parts = line[3:].split(",")
            file_da_found += 1
            if len(parts) >= 2 and int(parts[1]) > 0:
                file_da_hit += 1
        elif line == "end_of_record":
            records += 1
            if file_found is not None and file_hit is not None:
                found += file_found
                hit += file_hit
            else:
                found += file_da_found
                hit += file_da_hit
    if records == 0:
        raise ValueError("no end_of_record: not an lcov tracefile")
    return LineCoverage("lcov", _percent(hit, found, "lcov"), hit, found)


def _percent(covered: int, total: int, fmt: str) -> float:
    if total <= 0:
        raise ProbeError(f"the {fmt} report counts no lines")
    if not 0 <= covered <= total:  # a corrupt report, not a measurement
        raise ProbeError(f"the {fmt} report counts {covered} covered of {total} lines")
    return 100.0 * covered / total


__all__ = ["LineCoverage", "detect_format", "read_coverage", "run_coverage_probe"]
