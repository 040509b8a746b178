"""How long a sealed GO stays valid: the record's `valid_until` (decided_at + the checklist's
`policy.valid_for`, 24 hours by default), sealed with the rest of its JSON."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gonogo_tui.core.clock import parse_utc


def expiry_problem(raw: Mapping[str, Any], decision: str, now: datetime) -> str | None:
    """Why the record's GO is no longer valid at `now`, or None.

    A NO-GO never expires (it stops a deploy whenever it is read), and a record written
    before records carried `valid_until` is limited only by `gonogo verify --max-age`.
    """
    value = raw.get("valid_until")
    if decision != "GO" or value is None:
        return None
    try:
        until = parse_utc(str(value))
    except ValueError:
        return f"malformed valid_until {str(value)[:40]!r}"
    if now <= until:
        return None
    return f"the GO expired at {value} (policy.valid_for); decide again before deploying"
