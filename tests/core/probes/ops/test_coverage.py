"""The `coverage` probe on report files of every format, written by the tests."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from pathlib import Path

import pytest
from pydantic import ValidationError

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes.base import Status
from gonogo_tui.core.probes.coverage_run import detect_format, read_coverage, run_coverage_probe
from tests.core.probes.ops.helpers import T0, context, run_engine, spec

ISTANBUL = {
    "total": {
        "lines": {"total": 2000, "covered": 1930, "skipped": 0, "pct": 96.5},
        "statements": {"total": 2100, "covered": 2000, "skipped": 0, "pct": 95.23},
        "functions": {"total": 300, "covered": 270, "skipped": 0, "pct": 90},
        "branches": {"total": 500, "covered": 400, "skipped": 0, "pct": 80},
    },
    "/app/src/a.ts": {"lines": {"total": 10, "covered": 10, "skipped": 0, "pct": 100}},
}
COVERAGEPY = {
    "meta": {"format": 3, "version": "7.6.1", "branch_coverage": True, "show_contexts": False},
    "files": {},
    "totals": {
        "covered_lines": 940,
        "num_statements": 1000,
        "percent_covered": 91.2,
        "percent_covered_display": "91",
        "missing_lines": 60,
        "excluded_lines": 3,
        "num_branches": 200,
        "covered_branches": 150,
    },
}
COBERTURA = """<?xml version="1.0" ?>
<coverage version="7.6.1" timestamp="1764150000000" lines-valid="800" lines-covered="776"
          line-rate="0.97" branches-covered="0" branches-valid="0" branch-rate="0" complexity="0">
  <sources><source>/app</source></sources>
  <packages>
    <package name="app" line-rate="0.97" branch-rate="0" complexity="0">
      <classes/>
    </package>
  </packages>
</coverage>
"""
COBERTURA_RATE_ONLY = '<coverage line-rate="0.9412" branch-rate="0.5" version="1.9"></coverage>'
LCOV = """TN:
SF:src/a.ts
FN:1,main
FNDA:1,main
DA:1,1
DA:2,1
DA:3,0
LF:3
LH:2
end_of_record
SF:src/b.ts
DA:1,5
DA:2,0
DA:3,7
DA:4,1
end_of_record
"""


def write(tmp_path: Path, name: str, content: str | Mapping[str, object]) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_text(text)
    os.utime(path, (T0.timestamp() - 3600, T0.timestamp() - 3600))
    return path


@pytest.mark.parametrize(
    ("name", "content", "fmt", "percent", "covered", "total"),
    [
        ("coverage/coverage-summary.json", ISTANBUL, "istanbul", 96.5, 1930, 2000),
        ("coverage.json", COVERAGEPY, "coverage.py", 94.0, 940, 1000),
        ("coverage.xml", COBERTURA, "Cobertura", 97.0, 776, 800),
        ("lcov.info", LCOV, "lcov", 5 / 7 * 100, 5, 7),
    ],
)
def test_each_format_is_detected_and_read(
    tmp_path: Path,
    name: str,
    content: str | Mapping[str, object],
    fmt: str,
    percent: float,
    covered: int,
    total: int,
) -> None:
    path = write(tmp_path, name, content)
    coverage = read_coverage(path.read_bytes(), "auto", path.name)
    assert coverage.format == fmt
    assert coverage.percent == pytest.approx(percent)
    assert (coverage.covered, coverage.total) == (covered, total)


def test_lcov_uses_da_lines_when_lf_lh_missing() -> None:
    # b.ts has no LF/LH: its DA lines count (3 of 4 hit); a.ts says 2 of 3.
    assert read_coverage(LCOV.encode(), "lcov").covered == 5


def test_cobertura_line_rate_when_counts_are_missing() -> None:
    coverage = read_coverage(COBERTURA_RATE_ONLY.encode(), "auto")
    assert coverage.percent == pytest.approx(94.12)
    assert coverage.describe() == "line rate (Cobertura)"


def test_pass_and_fail_against_threshold(tmp_path: Path) -> None:
    write(tmp_path, "coverage/coverage-summary.json", ISTANBUL)
    passing = run_engine(
        spec(kind="coverage", path="coverage/coverage-summary.json", compare=">= 95"),
        context(tmp_path),
    )
    assert passing.status is Status.PASS
    assert passing.value == "96.5%"
    assert passing.expected == "line coverage >= 95%"
    assert "1930/2000 lines (istanbul)" in passing.detail

    failing = run_engine(
        spec(kind="coverage", path="coverage.json", compare=">= 95"),
        context(write(tmp_path, "coverage.json", COVERAGEPY).parent),
    )
    assert failing.status is Status.FAIL
    assert failing.value == "94%"
    assert failing.detail == "line coverage 94% is not >= 95%"


def test_max_age_from_mtime(tmp_path: Path) -> None:
    write(tmp_path, "coverage.xml", COBERTURA)  # written an hour before T0
    fresh = spec(kind="coverage", path="coverage.xml", compare=">= 95", max_age="2h")
    stale = spec(kind="coverage", path="coverage.xml", compare=">= 95", max_age="30m")
    assert run_engine(fresh, context(tmp_path)).status is Status.PASS
    result = run_engine(stale, context(tmp_path))
    assert result.status is Status.FAIL
    assert "older than 30m" in result.detail


def test_missing_report_fails_and_garbage_errors(tmp_path: Path) -> None:
    missing = run_engine(
        spec(kind="coverage", path="nope.json", compare=">= 95"), context(tmp_path)
    )
    assert missing.status is Status.FAIL
    assert missing.detail == "coverage report not found: nope.json"

    write(tmp_path, "garbage.txt", "All files | 99.1 |\n")
    garbage = run_engine(
        spec(kind="coverage", path="garbage.txt", compare=">= 95"), context(tmp_path)
    )
    assert garbage.status is Status.ERROR
    assert "not a known coverage report" in garbage.detail


def test_given_format_that_does_not_match_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "lcov.info", LCOV)
    result = run_engine(
        spec(kind="coverage", path="lcov.info", format="istanbul", compare=">= 1"),
        context(tmp_path),
    )
    assert result.status is Status.ERROR
    assert "cannot be read as istanbul" in result.detail


def test_xml_entities_are_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><coverage line-rate="1"/>'
    with pytest.raises(ProbeError, match="DOCTYPE"):
        read_coverage(bomb, "cobertura")


def test_empty_report_is_an_error() -> None:
    empty = {"total": {"lines": {"total": 0, "covered": 0, "skipped": 0, "pct": "Unknown"}}}
    with pytest.raises(ProbeError, match="counts no lines"):
        read_coverage(json.dumps(empty).encode(), "auto")


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        (
            json.dumps({"total": {"lines": {"total": 10, "covered": 20}}}).encode(),
            "istanbul",
            "the istanbul report counts 20 covered of 10 lines",
        ),
        (
            json.dumps({"totals": {"covered_lines": -1, "num_statements": 10}}).encode(),
            "coveragepy",
            "the coverage.py report counts -1 covered of 10 lines",
        ),
        (b'<coverage line-rate="1.5"/>', "cobertura", "line-rate 1.5 is not between 0 and 1"),
        (b"SF:a\nLF:2\nLH:3\nend_of_record\n", "lcov", "the lcov report counts 3 covered of 2"),
    ],
)
def test_impossible_counts_are_an_error_not_a_percentage(
    data: bytes, fmt: str, message: str
) -> None:
    """A corrupt report (200% covered) could not measure anything: ERROR, never PASS."""
    with pytest.raises(ProbeError, match=message):
        read_coverage(data, fmt)


def test_detect_format_names_unknown_json() -> None:
    with pytest.raises(ProbeError, match="istanbul"):
        detect_format(b'{"foo": 1}', "x.json")


def test_spec_validation() -> None:
    with pytest.raises(ValidationError):
        spec(kind="coverage", path="x", compare=">= 95", format="jacoco")
    with pytest.raises(ValidationError):
        spec(kind="coverage", path="x")


def test_a_missing_report_names_its_folder_and_proposes_only_a_report_it_reads(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "coverage"
    folder.mkdir()
    # istanbul's per-file report, not its summary: named, never proposed (it cannot be read).
    (folder / "coverage-final.json").write_text(json.dumps({"total": {}}))
    probe = spec(kind="coverage", path="coverage/coverage-summary.json", compare=">= 90")
    unread = asyncio.run(run_coverage_probe(probe, context(tmp_path)))
    assert unread.detail == (
        "coverage report not found: coverage/coverage-summary.json"
        " (coverage/ holds: coverage-final.json)"
    )
    assert unread.suggestions == ()
    (folder / "lcov.info").write_text("TN:\nSF:a.ts\nLF:10\nLH:9\nend_of_record\n")
    read = asyncio.run(run_coverage_probe(probe, context(tmp_path)))
    assert "(coverage/ holds: coverage-final.json, lcov.info)" in read.detail
    assert [(s.field, s.suggested) for s in read.suggestions] == [("path", "coverage/lcov.info")]
