"""The clock and the UTC timestamp formats gonogo writes and reads, in one place.

Every time gonogo stores is timezone-aware UTC: journals and records use `iso_utc`
(milliseconds, `Z`), signed statements and approvals `format_utc` (whole seconds, `Z`),
file names `file_stamp`.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """Format an aware datetime as `2026-11-26T10:15:00.123Z`."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 timestamp (a trailing Z allowed) into an aware UTC datetime."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_utc(moment: datetime) -> str:
    """Render an aware datetime as `2026-11-26T10:15:00Z` (whole seconds, UTC).

    Raises:
        ValueError: the datetime is naive.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> datetime:
    """Parse an ISO 8601 timestamp that carries a zone (`Z` or an offset) into UTC.

    Raises:
        ValueError: the text is not an ISO 8601 timestamp with a zone.
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no timezone")
    return moment.astimezone(UTC)


def format_duration(seconds: float) -> str:
    """Render seconds compactly: `250ms`, `30s`, `5m`, `2h`, `7d`, `1d 2h`.

    Here, not in `core/types.py` (which re-exports it), so that a command that only shows
    durations (`gonogo history`) does not import pydantic: 0.3 s of start-up.
    """
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 120:
        return f"{seconds:.0f}s" if seconds == int(seconds) else f"{seconds:.1f}s"
    minutes = seconds / 60
    if minutes < 120:
        return f"{minutes:.0f}m"
    hours = minutes / 60
    if hours < 48:
        return f"{hours:.0f}h"
    return f"{hours / 24:.1f}d".replace(".0d", "d")


def file_stamp(moment: datetime) -> str:
    """`YYYYmmdd_HHMMSS` in UTC, as record, journal and walkthrough file names carry it."""
    return moment.astimezone(UTC).strftime("%Y%m%d_%H%M%S")


__all__ = [
    "file_stamp",
    "format_duration",
    "format_utc",
    "iso_utc",
    "parse_iso",
    "parse_utc",
    "utc_now",
]
