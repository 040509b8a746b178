"""Evaluates the `window` probe against the run's clock (zoneinfo, DST-safe)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from gonogo_tui.core.probes.base import Observation, ProbeContext
from gonogo_tui.core.probes.window import DAY_NAMES, FreezePeriod, WeeklyRange, WindowProbe
from gonogo_tui.core.types import format_duration

LOOKAHEAD_DAYS = 21
"""How far ahead the next opening is searched for the detail."""


async def run_window_probe(spec: WindowProbe, ctx: ProbeContext) -> Observation:
    """Decide whether now is inside the window."""
    return evaluate_window(spec, ctx.now())


def evaluate_window(spec: WindowProbe, now: dt.datetime) -> Observation:
    """The observation for the instant `now` (aware)."""
    zone = ZoneInfo(spec.timezone)
    utc_now = now.astimezone(dt.UTC)
    local = utc_now.astimezone(zone)
    frozen = _freeze_on(spec.freeze, local.date())
    if frozen is not None:
        return Observation(
            False,
            "frozen",
            f"{local:%a %Y-%m-%d} is a freeze day: {frozen.describe()}"
            + _next_text(spec, zone, utc_now),
        )
    current = _open_range(spec.allowed, zone, utc_now)
    if current is None:
        return Observation(
            False,
            "closed",
            f"outside the window at {local:%a %H:%M} {spec.timezone}"
            + _next_text(spec, zone, utc_now),
        )
    closes = current.astimezone(zone)
    remaining = (current - utc_now).total_seconds()
    value = f"open until {_clock(closes, local)}"
    if remaining < spec.min_remaining:
        return Observation(
            False,
            value,
            f"window closes in {format_duration(remaining)} at {_clock(closes, local)}, "
            f"need {format_duration(spec.min_remaining)}",
        )
    return Observation(
        True,
        value,
        f"{local:%a %H:%M} {spec.timezone}; closes in {format_duration(remaining)}",
    )


def _freeze_on(freezes: list[FreezePeriod], day: dt.date) -> FreezePeriod | None:
    return next((period for period in freezes if period.covers(day)), None)


def _occurrences(
    ranges: list[WeeklyRange], zone: ZoneInfo, first: dt.date, days: int
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(opening, closing) in UTC for every range starting on the days from `first`."""
    spans = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        for allowed in ranges:
            if day.weekday() not in allowed.days:
                continue
            end_day = day if allowed.end > allowed.start else day + dt.timedelta(days=1)
            opening = dt.datetime.combine(day, allowed.start, tzinfo=zone).astimezone(dt.UTC)
            closing = dt.datetime.combine(end_day, allowed.end, tzinfo=zone).astimezone(dt.UTC)
            spans.append((opening, closing))
    return sorted(spans)


def _open_range(
    ranges: list[WeeklyRange], zone: ZoneInfo, utc_now: dt.datetime
) -> dt.datetime | None:
    """When the range holding `utc_now` closes (the latest, if ranges overlap), or None."""
    yesterday = utc_now.astimezone(zone).date() - dt.timedelta(days=1)
    closings = [
        closing
        for opening, closing in _occurrences(ranges, zone, yesterday, 2)
        if opening <= utc_now < closing
    ]
    return max(closings) if closings else None


def _next_text(spec: WindowProbe, zone: ZoneInfo, utc_now: dt.datetime) -> str:
    today = utc_now.astimezone(zone).date()
    for opening, _ in _occurrences(spec.allowed, zone, today, LOOKAHEAD_DAYS):
        local = opening.astimezone(zone)
        if opening > utc_now and _freeze_on(spec.freeze, local.date()) is None:
            wait = format_duration((opening - utc_now).total_seconds())
            day = DAY_NAMES[local.weekday()]
            return f"; next window opens {day} {local:%Y-%m-%d %H:%M} (in {wait})"
    return f"; no window in the next {LOOKAHEAD_DAYS} days"


def _clock(moment: dt.datetime, local_now: dt.datetime) -> str:
    if moment.date() == local_now.date():
        return f"{moment:%H:%M}"
    return f"{DAY_NAMES[moment.weekday()]} {moment:%H:%M}"


__all__ = ["evaluate_window", "run_window_probe"]
