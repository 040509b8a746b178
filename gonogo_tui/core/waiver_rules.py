"""The rules of a waiver's life: who may grant it, whether it still holds, and which waivers
of the last decisions a new meeting carries. Pure functions (no I/O, no clock): the
ledger's decisions come in as `LedgerWaivers` (read by `core/waiver_ledger.py`).

How releases are counted. The ledger's records are grouped by release (a record without
one is a release of its own); a release decided more than once (a NO-GO decided again)
counts once, by its last record. A waiver granted in release R "for 3 releases" holds in
R and the next two distinct releases decided after it; one "until 2027-01-15" holds while
the meeting's day (UTC) is not past that date. Releases in a row waiving a criterion are
counted back from the meeting's own release through the previous releases' last records
while each waived it. A waiver is carried only from the latest decision (the meeting's own
release decided before, else the previous release): a waiver revoked in a meeting, or not
needed because the criterion passed, is not carried further. Past `max_releases` in a row,
a carried waiver is not applied: one of `renewed_by` (the CTO) must grant it again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from gonogo_tui.core.checklist import Expiry, WaiverRules
from gonogo_tui.core.clock import iso_utc, parse_utc
from gonogo_tui.core.evaluation import Waiver


@dataclass(frozen=True)
class PastWaiver:
    """A waiver as a sealed record holds it."""

    criterion_id: str
    approver: str
    role: str
    reason: str
    granted_at: datetime | None
    until: date | None = None
    releases: int | None = None
    nth: int = 1
    carried_from: str = ""
    """The release it was granted in, when that record carried it (empty: granted there)."""


@dataclass(frozen=True)
class ReleaseWaivers:
    """The last decision of one release, and the waivers it recorded."""

    key: str
    """The release label, or `#record_id` for a record without one."""
    label: str
    """The release, or the record id: what a person reads (`carried from v2.3.1`)."""
    record_id: str
    waivers: Mapping[str, PastWaiver] = field(default_factory=dict)


@dataclass(frozen=True)
class LedgerWaivers:
    """What the ledger says before a meeting: its own release decided before, if it was,
    and the previous releases, newest first (as far back as a run of waivers goes)."""

    same: ReleaseWaivers | None = None
    previous: tuple[ReleaseWaivers, ...] = ()

    def in_a_row_before(self, criterion_id: str) -> int:
        """Previous releases in a row, back from the latest, that waived the criterion."""
        count = 0
        for decision in self.previous:
            if criterion_id not in decision.waivers:
                break
            count += 1
        return count

    def in_a_row(self, criterion_id: str) -> int:
        """Releases in a row waiving it if the meeting waives it: the previous ones, plus
        this one."""
        return self.in_a_row_before(criterion_id) + 1


@dataclass(frozen=True)
class Carried:
    """What a meeting starts with: the waivers carried, and why others were not."""

    waivers: Mapping[str, Waiver] = field(default_factory=dict)
    lapsed: Mapping[str, str] = field(default_factory=dict)
    """Criterion -> why its waiver from the ledger is not applied."""


def ordinal(number: int) -> str:
    """`1st`, `2nd`, `3rd`, `4th`, `11th`, `22nd`."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def in_a_row_text(waiver: Waiver) -> str:
    """`3rd release in a row waiving coverage`; empty for the first."""
    if waiver.in_a_row < 2:
        return ""
    return f"{ordinal(waiver.in_a_row)} release in a row waiving {waiver.criterion_id}"


def expiry_of(waiver: Waiver | PastWaiver) -> Expiry:
    """The waiver's end as an `Expiry` (a waiver from before they had one: 1 release)."""
    if waiver.until is not None:
        return Expiry(until=waiver.until)
    return Expiry(releases=waiver.releases or 1)


def expired(waiver: Waiver | PastWaiver, nth: int, today: date) -> str | None:
    """Why the waiver no longer holds in the `nth` release it would cover on `today`, or
    None while it holds: `waiver expired 2026-12-01`, `waiver expired after 3 releases`."""
    if waiver.until is not None:
        return f"waiver expired {waiver.until.isoformat()}" if today > waiver.until else None
    count = waiver.releases or 1
    if nth > count:
        return f"waiver expired after {count} release{'s' * (count != 1)}"
    return None


def grant_refusal(
    criterion_id: str, rules: WaiverRules, role: str, expiry: Expiry, in_a_row: int, today: date
) -> str | None:
    """Why a waiver of `criterion_id` granted in `role` with `expiry` on `today` is refused,
    or None. `in_a_row` is the release it would be in a row waiving the criterion."""
    allowed = rules.may_grant(in_a_row)
    if role not in allowed:
        if allowed is not rules.granted_by and role in rules.granted_by:
            return (
                f"{criterion_id} would be waived {in_a_row} releases in a row (limit "
                f"{rules.max_releases}): only {', '.join(allowed)} may grant it again"
            )
        who = ", ".join(allowed)
        return f"{role or 'no role'} may not grant a waiver of {criterion_id} (granted by: {who})"
    if expiry.releases is not None:
        if expiry.releases < 1:
            return "a waiver lasts at least 1 release"
        if rules.max_releases is not None and expiry.releases > rules.max_releases:
            return f"a waiver lasts at most {rules.max_releases} releases (policy.waivers)"
    if expiry.until is not None:
        if expiry.until < today:
            return f"{expiry.until.isoformat()} is already past"
        if rules.max_days is not None and expiry.until > today + timedelta(days=rules.max_days):
            return f"a waiver ends at most {rules.max_days} days ahead (policy.waivers)"
    return None


def carry_over(
    ledger: LedgerWaivers,
    rules: Callable[[str], WaiverRules | None],
    today: date,
    at: datetime,
    operator: str,
) -> Carried:
    """The waivers the latest decision held that still hold for a meeting on `today`.

    Args:
        ledger: the ledger's decisions before the meeting.
        rules: the rules of a criterion, None when the checklist no longer has it or it
            cannot be waived (critical): its waiver is dropped silently.
        today: the meeting's day (UTC).
        at: when the meeting carries them (each carried waiver's `at`).
        operator: who runs the meeting.
    """
    source = ledger.same or (ledger.previous[0] if ledger.previous else None)
    if source is None:
        return Carried()
    new_release = ledger.same is None
    carried: dict[str, Waiver] = {}
    lapsed: dict[str, str] = {}
    for cid, past in source.waivers.items():
        criterion_rules = rules(cid)
        if criterion_rules is None:
            continue
        origin = past.carried_from or source.label
        nth = past.nth + (1 if new_release else 0)
        row = ledger.in_a_row(cid)
        why = expired(past, nth, today)
        if why is None and past.role not in criterion_rules.granted_by + criterion_rules.renewed_by:
            why = f"waiver from {origin} was granted by {past.role or 'no role'}, who may no longer"
        if why is None and criterion_rules.max_releases is not None:
            if row > criterion_rules.max_releases:
                why = (
                    f"waiver needs {' or '.join(criterion_rules.renewed_by)} again: "
                    f"{ordinal(row)} release in a row waiving {cid} "
                    f"(limit {criterion_rules.max_releases})"
                )
        if why is not None:
            lapsed[cid] = why
            continue
        carried[cid] = Waiver(
            criterion_id=cid,
            operator=operator,
            at=at,
            reason=past.reason,
            approver=past.approver,
            role=past.role,
            until=past.until,
            releases=past.releases,
            nth=nth,
            in_a_row=row,
            carried_from=origin,
            granted_at=past.granted_at,
        )
    return Carried(carried, lapsed)


def carried_text(waiver: Waiver) -> str:
    """`carried from v2.3.1, 2 of 3 releases` (or `, until 2027-01-15`); empty when the
    waiver was granted in this meeting."""
    if not waiver.carried_from:
        return ""
    if waiver.until is not None:
        return f"carried from {waiver.carried_from}, until {waiver.until.isoformat()}"
    return f"carried from {waiver.carried_from}, {waiver.nth} of {waiver.releases or 1} releases"


def waiver_to_dict(waiver: Waiver) -> dict[str, Any]:
    """The JSON form of a waiver (the record's `waiver`); what a waiver written before they
    had an owner and an end lacks is left out."""
    data: dict[str, Any] = {
        "operator": waiver.operator,
        "at": iso_utc(waiver.at),
        "reason": waiver.reason,
    }
    if waiver.role:
        data["approver"] = waiver.granted_by
        data["role"] = waiver.role
        if waiver.until is not None:
            data["until"] = waiver.until.isoformat()
        else:
            data["releases"] = waiver.releases or 1
        data["nth"] = waiver.nth
        data["in_a_row"] = waiver.in_a_row
    if waiver.carried_from:
        data["carried_from"] = waiver.carried_from
        if waiver.granted_at is not None:
            data["granted_at"] = iso_utc(waiver.granted_at)
    return data


def waiver_from_dict(criterion_id: str, data: Mapping[str, Any], at: datetime) -> Waiver:
    """Read back `waiver_to_dict` (a journal line's fields; `at` is the line's time).

    Raises:
        KeyError, TypeError, ValueError: malformed.
    """
    until, releases, granted = data.get("until"), data.get("releases"), data.get("granted_at")
    return Waiver(
        criterion_id=criterion_id,
        operator=str(data["operator"]),
        at=at,
        reason=str(data["reason"]),
        approver=str(data.get("approver") or ""),
        role=str(data.get("role") or ""),
        until=date.fromisoformat(str(until)) if until else None,
        releases=int(releases) if releases is not None else None,
        nth=int(data.get("nth") or 1),
        in_a_row=int(data.get("in_a_row") or 1),
        carried_from=str(data.get("carried_from") or ""),
        granted_at=parse_utc(str(granted)) if granted else None,
    )


def waived_text(waiver: Waiver) -> str:
    """`waived by alice (cto), for 3 releases: CDN sets HSTS`, `waived (carried from v2.3.1,
    2 of 3 releases) by alice (cto): CDN sets HSTS`; a waiver from before waivers had an
    owner: `waived by bob: known flake`."""
    by = " ".join(waiver.granted_by.split()) or "?"
    reason = " ".join(waiver.reason.split())
    if not waiver.role:
        return f"waived by {by}: {reason}"
    carried = carried_text(waiver)
    if carried:
        return f"waived ({carried}) by {by} ({waiver.role}): {reason}"
    return f"waived by {by} ({waiver.role}), {expiry_of(waiver).text()}: {reason}"


def waived_short(waiver: Waiver) -> tuple[str, ...]:
    """Shorter forms of `waived_text` for a row too narrow for it, longest first: who
    granted it and how far into its run, `waived by alice (cto) · 2/3`, `alice (cto) · 2/3`,
    `alice · 2/3` (`· to 2027-01-15` for a dated one; the release in a row when it is not
    the run's, `· 3rd in a row`). The reason stays in the detail pane."""
    by = " ".join(waiver.granted_by.split()) or "?"
    if not waiver.role:
        return (f"waived by {by}", by)
    if waiver.until is not None:
        run = f"to {waiver.until.isoformat()}"
    else:
        run = f"{waiver.nth}/{waiver.releases or 1}"
    row = (
        f" · {ordinal(waiver.in_a_row)} in a row" if waiver.in_a_row not in (1, waiver.nth) else ""
    )
    forms = (
        f"waived by {by} ({waiver.role}) · {run}{row}",
        f"waived by {by} ({waiver.role}) · {run}",
        f"{by} ({waiver.role}) · {run}",
        f"{by} · {run}",
    )
    return tuple(dict.fromkeys(forms))


def recorded_waiver_text(criterion_id: str, data: Mapping[str, Any]) -> str:
    """`waived_text` of a record's `waiver` object, with the in-a-row count (`; 3rd release
    in a row waiving coverage`); a malformed one as far as it reads (the report shows
    what the record says; `gonogo verify` judges it)."""
    try:
        waiver = waiver_from_dict(criterion_id, data, datetime.now(UTC))
    except (KeyError, TypeError, ValueError):
        return f"waived by {data.get('operator', '?')}: {data.get('reason', '?')}"
    row = in_a_row_text(waiver)
    return waived_text(waiver) + (f"; {row}" if row else "")


__all__ = [
    "Carried",
    "LedgerWaivers",
    "PastWaiver",
    "ReleaseWaivers",
    "carried_text",
    "carry_over",
    "expired",
    "expiry_of",
    "grant_refusal",
    "in_a_row_text",
    "ordinal",
    "recorded_waiver_text",
    "waived_short",
    "waived_text",
    "waiver_from_dict",
    "waiver_to_dict",
]
