"""The `junit` probe on JUnit XML reports written by the tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gonogo_tui.core.probes.base import Status
from tests.core.probes.ops.helpers import T0, context, respec, run_engine, spec

ALL_PASS = """<?xml version="1.0" encoding="utf-8"?>
<testsuites name="jest tests" tests="4" failures="0" errors="0" time="3.2">
  <testsuite name="orders" tests="3" failures="0" errors="0" skipped="0"
             timestamp="2026-11-26T08:30:00" time="2.1">
    <testcase classname="orders.api" name="creates an order" time="0.2"/>
    <testcase classname="orders.api" name="rejects a duplicate" time="0.1"/>
    <testcase classname="orders.outbox" name="publishes once" time="0.3"/>
  </testsuite>
  <testsuite name="risk" tests="1" failures="0" errors="0" skipped="1"
             timestamp="2026-11-26T08:31:00" time="1.1">
    <testcase classname="risk.limits" name="flaky soak test" time="0">
      <skipped message="slow"/>
    </testcase>
  </testsuite>
</testsuites>
"""
WITH_FAILURES = """<?xml version="1.0" encoding="utf-8"?>
<testsuite name="pytest" errors="1" failures="1" skipped="1" tests="5"
           timestamp="2026-11-26T09:00:00+00:00" time="1.0">
  <testcase classname="tests.test_pay" name="test_refund" time="0.1">
    <failure message="assert 1 == 2">AssertionError</failure>
  </testcase>
  <testcase classname="tests.test_pay" name="test_charge" time="0.1">
    <error message="fixture failed">boom</error>
  </testcase>
  <testcase classname="tests.test_pay" name="test_idempotency_critical" time="0">
    <skipped type="pytest.skip" message="needs redis"/>
  </testcase>
  <testcase classname="tests.test_pay" name="test_ok" time="0.1"/>
  <testcase classname="tests.test_pay" name="test_ok_2" time="0.1"/>
</testsuite>
"""
CRITICAL_SKIP_ONLY = WITH_FAILURES.replace(
    '<failure message="assert 1 == 2">AssertionError</failure>', ""
).replace('<error message="fixture failed">boom</error>', "")


def write(tmp_path: Path, name: str, text: str, age_seconds: float = 600) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    stamp = T0.timestamp() - age_seconds
    os.utime(path, (stamp, stamp))
    return path


def test_all_passed_with_a_harmless_skip(tmp_path: Path) -> None:
    write(tmp_path, "reports/junit.xml", ALL_PASS)
    result = run_engine(
        spec(kind="junit", path="reports/junit.xml", critical="(?i)critical|outbox"),
        context(tmp_path),
    )
    assert result.status is Status.PASS
    assert result.value == "4 tests, 0 failed, 1 skipped"
    assert result.detail == "1 report, newest 89m ago, no critical test skipped"  # suites' stamps


def test_failed_and_errored_tests_are_named(tmp_path: Path) -> None:
    write(tmp_path, "junit.xml", WITH_FAILURES)
    result = run_engine(spec(kind="junit", path="junit.xml"), context(tmp_path))
    assert result.status is Status.FAIL
    assert result.value == "5 tests, 2 failed, 1 skipped"
    assert "tests.test_pay.test_refund (failed)" in result.detail
    assert "tests.test_pay.test_charge (error)" in result.detail


def test_expectation_is_never_empty() -> None:
    """`failures: ignore` alone still says what is expected: the minimum of test cases."""
    assert spec(kind="junit", path="j.xml", failures="ignore").expectation() == "tests >= 1"
    assert spec(kind="junit", path="j.xml", min_tests=50).expectation() == (
        "all passed, tests >= 50"
    )


def test_skipped_critical_test_counts_as_failed(tmp_path: Path) -> None:
    write(tmp_path, "junit.xml", CRITICAL_SKIP_ONLY)
    plain = run_engine(spec(kind="junit", path="junit.xml"), context(tmp_path))
    assert plain.status is Status.PASS
    critical = run_engine(
        spec(kind="junit", path="junit.xml", critical="critical"), context(tmp_path)
    )
    assert critical.status is Status.FAIL
    assert "test_idempotency_critical (critical, skipped)" in critical.detail
    assert critical.expected == "all passed, no critical skipped"
    only_skips = spec(kind="junit", path="junit.xml", critical="critical", failures="ignore")
    assert only_skips.expectation() == "no critical skipped"
    write(tmp_path, "both.xml", WITH_FAILURES)
    skips = run_engine(respec(only_skips, path="both.xml"), context(tmp_path))
    assert skips.status is Status.FAIL
    assert (
        skips.detail
        == "1 test not passed: tests.test_pay.test_idempotency_critical (critical, skipped)"
    )
    write(tmp_path, "fails.xml", WITH_FAILURES.replace("_critical", ""))
    fails_only = run_engine(respec(only_skips, path="fails.xml"), context(tmp_path))
    assert fails_only.status is Status.PASS  # failures are the other criterion's business


def test_glob_sums_reports_and_max_skipped(tmp_path: Path) -> None:
    write(tmp_path, "reports/a.xml", ALL_PASS)
    write(tmp_path, "reports/b.xml", CRITICAL_SKIP_ONLY)
    result = run_engine(spec(kind="junit", path="reports/*.xml", max_skipped=1), context(tmp_path))
    assert result.value == "9 tests, 0 failed, 2 skipped"
    assert result.status is Status.FAIL
    assert "2 skipped, expected <= 1" in result.detail


def test_report_age_from_timestamp_or_mtime(tmp_path: Path) -> None:
    write(tmp_path, "junit.xml", ALL_PASS, age_seconds=60)  # file fresh, suites 89m old
    by_report = spec(kind="junit", path="junit.xml", max_age="1h")
    by_mtime = spec(kind="junit", path="junit.xml", max_age="1h", timestamps="mtime")
    stale = run_engine(by_report, context(tmp_path))
    assert stale.status is Status.FAIL
    assert "report from 89m ago, older than 60m" in stale.detail
    assert run_engine(by_mtime, context(tmp_path)).status is Status.PASS


def test_no_report_fails_and_empty_report_is_no_data(tmp_path: Path) -> None:
    missing = run_engine(spec(kind="junit", path="reports/*.xml"), context(tmp_path))
    assert missing.status is Status.FAIL
    assert missing.detail == "no JUnit report matches reports/*.xml"
    write(tmp_path, "empty.xml", '<testsuites name="none" tests="0"/>')
    empty = run_engine(spec(kind="junit", path="empty.xml"), context(tmp_path))
    assert empty.status is Status.ERROR  # no data: nothing was tested
    assert empty.detail == "no data: 0 test cases in 1 JUnit report matching empty.xml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<testsuite><testcase", "XML does not parse"),
        ("<coverage/>", "not <testsuites>/<testsuite>"),
        ('<!DOCTYPE t [<!ENTITY x "y">]><testsuite/>', "DOCTYPE"),
    ],
)
def test_unreadable_reports_are_errors(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "bad.xml", text)
    result = run_engine(spec(kind="junit", path="bad.xml"), context(tmp_path))
    assert result.status is Status.ERROR
    assert message in result.detail
