"""The `window` probe: weekly ranges in a time zone, midnight crossing, DST and freeze dates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from gonogo_tui.core.probes.base import Status
from gonogo_tui.core.probes.window import parse_clock, parse_days
from tests.core.probes.ops.helpers import context, run_engine, spec

WINDOW = yaml.safe_load(
    """
kind: window
timezone: Europe/Istanbul
allowed:
  - days: tue-thu
    start: "10:00"
    end: "16:00"
  - days: [sat]
    start: 22:00        # unquoted: YAML reads 1320 (sexagesimal), accepted as minutes
    end: "02:00"
freeze:
  - 2026-12-24
  - {start: 2026-12-28, end: 2027-01-02, reason: year-end freeze}
"""
)


def check(at: datetime, **overrides: Any) -> tuple[Status, str, str]:
    result = run_engine(spec(**{**WINDOW, **overrides}), context(now=at))
    return result.status, result.value, result.detail


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_inside_a_weekday_range() -> None:
    status, value, detail = check(utc(2026, 11, 26, 10, 0))  # Thu 13:00 Istanbul
    assert status is Status.PASS
    assert value == "open until 16:00"
    assert detail == "Thu 13:00 Europe/Istanbul; closes in 3h"


def test_outside_names_the_next_opening() -> None:
    status, value, detail = check(utc(2026, 11, 26, 14, 0))  # Thu 17:00 Istanbul
    assert status is Status.FAIL
    assert value == "closed"
    assert detail == (
        "outside the window at Thu 17:00 Europe/Istanbul; "
        "next window opens sat 2026-11-28 22:00 (in 2.2d)"
    )


def test_range_crossing_midnight() -> None:
    sunday_early = utc(2026, 11, 28, 22, 30)  # Sun 01:30 Istanbul, in Saturday's range
    status, value, _ = check(sunday_early)
    assert status is Status.PASS
    assert value == "open until 02:00"
    saturday_late = utc(2026, 11, 28, 19, 30)  # Sat 22:30 Istanbul
    status, value, _ = check(saturday_late)
    assert (status, value) == (Status.PASS, "open until sun 02:00")
    assert check(utc(2026, 11, 28, 23, 0))[0] is Status.FAIL  # Sun 02:00: closed (end exclusive)


def test_freeze_days() -> None:
    christmas_eve = utc(2026, 12, 24, 10, 0)  # Thursday, inside the hours
    status, value, detail = check(christmas_eve)
    assert (status, value) == (Status.FAIL, "frozen")
    assert detail.startswith("Thu 2026-12-24 is a freeze day: 2026-12-24")
    year_end = utc(2026, 12, 29, 10, 0)
    status, _, detail = check(year_end)
    assert status is Status.FAIL
    assert "year-end freeze (2026-12-28..2027-01-02)" in detail
    assert "next window opens sat 2027-01-02" not in detail  # Jan 2 is frozen too
    assert "next window opens tue 2027-01-05 10:00" in detail


def test_min_remaining() -> None:
    late_afternoon = utc(2026, 11, 26, 12, 30)  # Thu 15:30 Istanbul
    status, value, detail = check(late_afternoon, min_remaining="1h")
    assert (status, value) == (Status.FAIL, "open until 16:00")
    assert detail == "window closes in 30m at 16:00, need 60m"


def test_daylight_saving_change() -> None:
    # Europe/Berlin leaves DST on Sunday 25 October 2026 at 03:00 -> 02:00.
    berlin = {
        "kind": "window",
        "timezone": "Europe/Berlin",
        "allowed": [{"days": "daily", "start": "01:00", "end": "04:00"}],
    }
    result = run_engine(spec(**berlin), context(now=utc(2026, 10, 25, 2, 30)))  # 03:30 CET
    assert result.status is Status.PASS
    assert result.detail == "Sun 03:30 Europe/Berlin; closes in 30m"
    summer = run_engine(spec(**berlin), context(now=utc(2026, 7, 1, 1, 30)))  # 03:30 CEST
    assert summer.detail == "Wed 03:30 Europe/Berlin; closes in 30m"


@pytest.mark.parametrize(
    ("raw", "days"),
    [
        ("mon-fri", [0, 1, 2, 3, 4]),
        ("fri-mon", [0, 4, 5, 6]),
        (["Saturday", "sun"], [5, 6]),
        ("daily", list(range(7))),
        ("tue,thu", [1, 3]),
    ],
)
def test_parse_days(raw: object, days: list[int]) -> None:
    assert parse_days(raw) == days


def test_parse_clock() -> None:
    assert parse_clock("09:30").hour == 9
    assert parse_clock(570).minute == 30  # YAML's reading of unquoted 9:30
    with pytest.raises(ValueError):
        parse_clock("25:00")


@pytest.mark.parametrize(
    "bad",
    [
        {"timezone": "Moon/Base"},
        {"allowed": []},
        {"allowed": [{"days": "someday", "start": "10:00", "end": "11:00"}]},
        {"allowed": [{"days": "mon", "start": "10h", "end": "11:00"}]},
        {"freeze": [{"start": "2026-12-10", "end": "2026-12-01"}]},
    ],
)
def test_bad_window_specs_fail_validation(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        spec(**{**WINDOW, **bad})


def test_expectation_text() -> None:
    assert spec(**WINDOW).expectation() == (
        "inside tue-thu 10:00-16:00; sat 22:00-02:00, 2 freeze periods"
    )
