"""The `window` probe: now is inside an allowed weekly deployment window and not a freeze day."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, ClassVar, Literal

from pydantic import BeforeValidator, Field, model_validator

from gonogo_tui.core.probes.base import ProbeSpec, StrictModel
from gonogo_tui.core.types import Duration, format_duration

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names in `weekday()` order; full names (`monday`) are accepted too."""
_CLOCK_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def check_timezone(name: str) -> str:
    """An IANA time zone name that this machine's zoneinfo knows.

    Raises:
        ValueError: unknown zone.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a known IANA time zone (e.g. Europe/Istanbul)") from None
    return name


TimeZoneName = Annotated[str, BeforeValidator(lambda v: check_timezone(str(v)))]
"""An IANA time zone such as `Europe/Istanbul`, checked at load time."""


def parse_clock(value: object) -> dt.time:
    """`"22:00"` (or YAML's sexagesimal reading of an unquoted 22:00, the int 1320) -> 22:00.

    Raises:
        ValueError: not a time of day.
    """
    if isinstance(value, dt.time):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 24 * 60:
        hours, minutes = divmod(value, 60)
    elif isinstance(value, str) and (match := _CLOCK_RE.match(value)):
        hours, minutes = int(match.group(1)), int(match.group(2))
    else:
        raise ValueError(f'{value!r} is not a time of day (write "HH:MM" in quotes)')
    if hours == 24 and minutes == 0:
        return dt.time(0, 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"{value!r} is not a time of day")
    return dt.time(hours, minutes)


def parse_days(value: object) -> list[int]:
    """`[mon, tue]`, `"mon-fri"`, `"sat,sun"` or `daily` -> weekday numbers (Monday 0).

    Raises:
        ValueError: an unknown day name.
    """
    items = value if isinstance(value, list) else [value]
    days: list[int] = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 6:
            days.append(item)
            continue
        for part in str(item).lower().replace(" ", "").split(","):
            if part in ("daily", "all", "*"):
                days.extend(range(7))
            elif "-" in part:
                first, last = (_day(name) for name in part.split("-", 1))
                span = (last - first) % 7
                days.extend((first + offset) % 7 for offset in range(span + 1))
            else:
                days.append(_day(part))
    return sorted(set(days))


_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day(name: str) -> int:
    key = name.strip().lower()
    if key in DAY_NAMES:
        return DAY_NAMES.index(key)
    if key in _FULL_DAY_NAMES:
        return _FULL_DAY_NAMES.index(key)
    raise ValueError(f"{name!r} is not a day (mon, tue, wed, thu, fri, sat, sun)")


Clock = Annotated[dt.time, BeforeValidator(parse_clock)]
Days = Annotated[list[int], BeforeValidator(parse_days)]


class WeeklyRange(StrictModel):
    """An allowed range on some weekdays; an `end` at or before `start` ends the next day."""

    days: Days
    """Days the range starts on: `[tue, wed]`, `mon-thu`, `daily`."""
    start: Clock
    """Opening time, `"HH:MM"` local to the probe's time zone."""
    end: Clock
    """Closing time, `"HH:MM"`; `"02:00"` after a `"22:00"` start means 02:00 next day."""


def _freeze(value: object) -> object:
    if isinstance(value, dt.date | str):
        return {"start": value}
    return value


class FreezePeriod(StrictModel):
    """Days on which nothing ships: one date, or `start`..`end` inclusive."""

    start: dt.date
    end: dt.date | None = None
    """Last frozen day (inclusive); default: `start` alone."""
    reason: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> FreezePeriod:
        if self.end is not None and self.end < self.start:
            raise ValueError("a freeze 'end' cannot be before its 'start'")
        return self

    def covers(self, day: dt.date) -> bool:
        """Whether `day` is frozen."""
        return self.start <= day <= (self.end or self.start)

    def describe(self) -> str:
        """`2026-12-24` or `2026-12-28..2027-01-02`, with the reason."""
        span = str(self.start) if self.end in (None, self.start) else f"{self.start}..{self.end}"
        return f"{self.reason} ({span})" if self.reason else span


class WindowProbe(ProbeSpec):
    """Passes when the current time (the run's clock) is inside an allowed weekly range in
    `timezone`, on a day that is not frozen, with at least `min_remaining` left."""

    kind: Literal["window"] = "window"
    start_tier: ClassVar[int] = 2
    timezone: TimeZoneName = "UTC"
    """IANA time zone the ranges and freeze dates are written in, e.g. `Europe/Istanbul`."""
    allowed: list[WeeklyRange] = Field(min_length=1)
    """Allowed weekly ranges (the seed's "low traffic period")."""
    freeze: list[Annotated[FreezePeriod, BeforeValidator(_freeze)]] = Field(default_factory=list)
    """Frozen dates: `2026-12-24`, or `{start: 2026-12-28, end: 2027-01-02, reason: ...}`."""
    min_remaining: Duration = 0.0
    """The window must stay open at least this long from now (room to deploy and watch)."""

    def source(self) -> str:
        return f"deployment window ({self.timezone})"

    def expectation(self) -> str:
        ranges = "; ".join(_range_text(r) for r in self.allowed)
        extra = f", >= {format_duration(self.min_remaining)} left" if self.min_remaining else ""
        frozen = f", {len(self.freeze)} freeze periods" if self.freeze else ""
        return f"inside {ranges}{extra}{frozen}"


def _range_text(allowed: WeeklyRange) -> str:
    """`mon-thu 22:00-02:00`; a range whose end is its start lasts 24 h: `daily, all day`
    (never closed), or `sat 18:00 for 24 h` (not `18:00-18:00`, which reads as no time)."""
    days = _days_text(allowed.days)
    if allowed.start != allowed.end:
        return f"{days} {allowed.start:%H:%M}-{allowed.end:%H:%M}"
    return f"{days}, all day" if days == "daily" else f"{days} {allowed.start:%H:%M} for 24 h"


def _days_text(days: list[int]) -> str:
    if days == list(range(7)):
        return "daily"
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{DAY_NAMES[days[0]]}-{DAY_NAMES[days[-1]]}"
    return ",".join(DAY_NAMES[d] for d in days)


__all__ = [
    "DAY_NAMES",
    "FreezePeriod",
    "TimeZoneName",
    "WeeklyRange",
    "WindowProbe",
    "check_timezone",
    "parse_clock",
    "parse_days",
]
