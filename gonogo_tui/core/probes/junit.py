"""The `junit` probe: JUnit XML reports all passed, no critical test skipped, recent enough."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from gonogo_tui.core.probes.reads_files import ReadsFiles
from gonogo_tui.core.types import Duration, Regex, format_duration


class JunitProbe(ReadsFiles):
    """Reads one or more JUnit XML reports (`<testsuites>` or `<testsuite>` roots).

    Each `<testcase>` counts once: failed if it holds `<failure>`, errored if `<error>`,
    skipped if `<skipped>`; otherwise passed. A skipped test whose `classname.name`
    matches `critical` counts as failed. The report's age comes from the newest
    `timestamp` attribute of its suites, else from the file's modification time.
    """

    kind: Literal["junit"] = "junit"
    start_tier: ClassVar[int] = 2
    path: str
    """A report or a glob of reports, relative to the root, e.g. `reports/junit/*.xml`."""
    max_failed: int = Field(default=0, ge=0)
    """Failed plus errored tests tolerated (including skipped critical ones)."""
    failures: Literal["count", "ignore"] = "count"
    """`ignore` leaves failed and errored tests to another criterion, so this one judges
    only skipped critical tests (and the other limits)."""
    critical: Regex | None = None
    """Tests matching this regex (searched in `classname.name`) must not be skipped."""
    max_skipped: int | None = Field(default=None, ge=0)
    """At most this many skipped tests of any kind; default: not checked."""
    min_tests: int = Field(default=1, ge=0)
    """At least this many test cases (an empty report is not "all passed")."""
    max_age: Duration | None = None
    """The newest report is at most this old."""
    timestamps: Literal["report", "mtime"] = "report"
    """Where the age comes from: the suites' `timestamp` attributes (falling back to the
    modification time), or the modification time alone."""

    def source(self) -> str:
        return self.path

    def expectation(self) -> str:
        parts = []
        if self.failures == "count":
            parts.append("all passed" if self.max_failed == 0 else f"failed <= {self.max_failed}")
        if self.critical is not None:
            parts.append("no critical skipped")
        if self.max_skipped is not None:
            parts.append(f"skipped <= {self.max_skipped}")
        if self.max_age is not None:
            parts.append(f"age <= {format_duration(self.max_age)}")
        if self.min_tests != 1 or not parts:
            parts.append(f"tests >= {self.min_tests}")
        return ", ".join(parts)
