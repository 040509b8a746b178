"""Runs the `junit` probe: parse JUnit XML reports and count outcomes per test case."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes._ops import age_text, plural, refuse_xml_entities
from gonogo_tui.core.probes.base import Observation, ProbeContext
from gonogo_tui.core.probes.confined import (
    Confinement,
    Stop,
    glob_paths,
    in_thread,
    read_bounded,
    split_pattern,
)
from gonogo_tui.core.probes.junit import JunitProbe
from gonogo_tui.core.probes.look_around import not_found
from gonogo_tui.core.types import format_duration

MAX_REPORT_BYTES = 256 * 1024 * 1024
"""Larger reports are refused."""


@dataclass
class Tally:
    """Test outcomes summed over reports."""

    tests: int = 0
    failed: list[str] = field(default_factory=list)
    errored: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    newest: datetime | None = None
    """When the newest report was written."""


async def run_junit_probe(spec: JunitProbe, ctx: ProbeContext) -> Observation:
    """Read every matching report and compare the outcomes.

    Raises:
        ProbeError: a report does not parse as JUnit XML.
    """
    confinement = Confinement.of(ctx, spec)
    use_timestamps = spec.timestamps == "report"

    def work(stop: Stop) -> tuple[list[Path], Tally]:
        paths = _matching(ctx, spec.path, confinement, stop)
        if not paths:
            return paths, Tally()
        return paths, read_reports(paths, use_timestamps, confinement=confinement, stop=stop)

    paths, tally = await in_thread(ctx, work)
    if not paths:
        detail, output, fits = await not_found(
            ctx, f"no JUnit report matches {spec.path}", spec.path, "path", accepts=_junit_xml
        )
        return Observation(False, "no report", detail, output, suggestions=fits)
    if tally.tests == 0:  # reports that hold no test case measured nothing: no data
        return Observation(
            False,
            "0 tests",
            f"no data: 0 test cases in {plural(len(paths), 'JUnit report')} matching {spec.path}",
            "\n".join(str(p) for p in paths),
            measured=False,
        )
    now = ctx.now()
    critical = re.compile(spec.critical) if spec.critical is not None else None
    critical_skipped = [name for name in tally.skipped if critical and critical.search(name)]
    failed = tally.failed if spec.failures == "count" else []
    errored = tally.errored if spec.failures == "count" else []
    bad = len(failed) + len(errored) + len(critical_skipped)
    value = (
        f"{tally.tests} tests, {len(tally.failed) + len(tally.errored)} failed, "
        f"{len(tally.skipped)} skipped"
    )
    problems = []
    if bad > spec.max_failed:
        named = [
            *(f"{n} (failed)" for n in failed),
            *(f"{n} (error)" for n in errored),
            *(f"{n} (critical, skipped)" for n in critical_skipped),
        ]
        more = f" and {len(named) - 3} more" if len(named) > 3 else ""
        problems.append(f"{plural(bad, 'test')} not passed: {', '.join(named[:3])}{more}")
    if tally.tests < spec.min_tests:
        problems.append(f"{plural(tally.tests, 'test case')}, expected at least {spec.min_tests}")
    if spec.max_skipped is not None and len(tally.skipped) > spec.max_skipped:
        problems.append(f"{len(tally.skipped)} skipped, expected <= {spec.max_skipped}")
    if spec.max_age is not None and tally.newest is not None:
        if (now - tally.newest).total_seconds() > spec.max_age:
            problems.append(
                f"report from {age_text(now, tally.newest)}, older than "
                f"{format_duration(spec.max_age)}"
            )
    written = f", newest {age_text(now, tally.newest)}" if tally.newest else ""
    critical_note = ""
    if critical is not None:
        critical_note = ", no critical test skipped"
    detail = "; ".join(problems) or f"{plural(len(paths), 'report')}{written}{critical_note}"
    output = "\n".join(
        [
            *(str(p) for p in paths),
            *(f"FAILED {n}" for n in tally.failed),
            *(f"ERROR {n}" for n in tally.errored),
            *(f"SKIPPED {n}" for n in tally.skipped),
        ]
    )
    return Observation(not problems, value, detail, output)


def _junit_xml(path: str) -> bool:
    """Whether a file looks like a JUnit XML report (a `<testsuite` in its first 64 KiB)."""
    if not path.lower().endswith(".xml"):
        return False
    try:
        with open(path, "rb") as report:
            return b"<testsuite" in report.read(64 * 1024)
    except OSError:
        return False


def _matching(ctx: ProbeContext, pattern: str, confinement: Confinement, stop: Stop) -> list[Path]:
    """The regular files matching `pattern` (a path or a glob, `**` included), sorted."""
    expanded = str(Path(pattern).expanduser())
    prefix, parts = split_pattern(expanded)
    start = str(ctx.resolve(prefix)) if prefix else str(ctx.root)
    confinement.check(start)
    found = glob_paths(start, parts, confinement, stop, hidden=False)
    return sorted(Path(path) for path in found if os.path.isfile(path))


def read_reports(
    paths: list[Path],
    use_timestamps: bool = True,
    *,
    confinement: Confinement | None = None,
    stop: Stop | None = None,
) -> Tally:
    """Sum the outcomes of JUnit XML files.

    Args:
        paths: The reports.
        use_timestamps: Date a report by its suites' `timestamp`, else by its file.
        confinement: Given, each path must resolve inside the root.
        stop: Checked while reading (a cancelled probe stops its thread).

    Raises:
        ProbeError: a file is too large, is not JUnit XML, or resolves outside the root.
    """
    tally = Tally()
    stop = stop or Stop()
    for path in paths:
        real = confinement.check(path) if confinement is not None else str(path)
        data, _ = read_bounded(
            real, MAX_REPORT_BYTES, stop, shown=path.name, refuse_larger="a JUnit report"
        )
        written = _read_one(data, path.name, tally, use_timestamps)
        if written is None:
            written = datetime.fromtimestamp(os.stat(real).st_mtime, UTC)
        if tally.newest is None or written > tally.newest:
            tally.newest = written
    return tally


def _read_one(data: bytes, name: str, tally: Tally, use_timestamps: bool) -> datetime | None:
    import xml.etree.ElementTree as ElementTree

    refuse_xml_entities(data, name)
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ProbeError(f"{name}: XML does not parse ({exc})") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise ProbeError(f"{name}: root element is <{root.tag}>, not <testsuites>/<testsuite>")
    newest: datetime | None = None
    suites = [root] if root.tag == "testsuite" else []
    suites.extend(root.iter("testsuite") if root.tag == "testsuites" else [])
    for suite in suites:
        stamp = _timestamp(suite.get("timestamp")) if use_timestamps else None
        if stamp is not None and (newest is None or stamp > newest):
            newest = stamp
    for case in root.iter("testcase"):
        tally.tests += 1
        label = ".".join(part for part in (case.get("classname"), case.get("name")) if part)
        label = label or f"{name}#{tally.tests}"
        if case.find("failure") is not None:
            tally.failed.append(label)
        elif case.find("error") is not None:
            tally.errored.append(label)
        elif case.find("skipped") is not None:
            tally.skipped.append(label)
    return newest


def _timestamp(text: str | None) -> datetime | None:
    """A suite's timestamp; one without a zone is read as UTC."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


__all__ = ["Tally", "read_reports", "run_junit_probe"]
