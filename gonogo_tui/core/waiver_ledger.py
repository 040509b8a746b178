"""The waivers the ledger's last decisions hold, for a meeting about to start (its rules are
in `core/waiver_rules.py`).

Reads the ledger (its chain checked) and then only the records it needs, newest first: the
meeting's own release decided before, then each previous release's last record while some
criterion was waived in every one of them (the run in a row). A ledger of 10,000 records
with no long run of waivers costs one ledger read and a few record reads.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from gonogo_tui.core import files
from gonogo_tui.core.checklist import Checklist, WaiverRules
from gonogo_tui.core.clock import parse_utc
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import waiver_refusal
from gonogo_tui.core.records.layout import LEDGER_NAME
from gonogo_tui.core.waiver_rules import (
    Carried,
    LedgerWaivers,
    PastWaiver,
    ReleaseWaivers,
    carry_over,
)

MAX_RELEASES_BACK = 500
"""How far back a run of waivers is followed (a count beyond says `500th`, no more)."""


def read_ledger_waivers(directory: Path, release: str | None) -> LedgerWaivers:
    """The waivers of the ledger's last decisions before a meeting on `release` (None: a
    release not decided before).

    Raises:
        EvidenceError: the ledger is broken, or a sealed record cannot be read.
    """
    path = directory / LEDGER_NAME
    if not path.is_file():
        return LedgerWaivers()
    # Only now: the signing package loads `cryptography`.
    from gonogo_tui.core.signing.ledger import read_ledger

    entries = read_ledger(path).entries
    same: ReleaseWaivers | None = None
    previous: list[ReleaseWaivers] = []
    seen: set[str] = set()
    alive: set[str] | None = None
    for entry in reversed(entries):
        data = _read_record(directory, entry.record_id)
        label = data.get("release")
        key = str(label) if label else f"#{entry.record_id}"
        if key in seen:
            continue  # an earlier decision of a release decided again: its last one counts
        seen.add(key)
        decision = ReleaseWaivers(
            key, str(label) if label else entry.record_id, entry.record_id, _waivers(data)
        )
        if release is not None and key == release:
            same = decision
            continue
        previous.append(decision)
        alive = set(decision.waivers) if alive is None else alive & set(decision.waivers)
        if not alive or len(previous) >= MAX_RELEASES_BACK:
            break
    return LedgerWaivers(same, tuple(previous))


def carry_rules(checklist: Checklist, criterion_id: str) -> WaiverRules | None:
    """The rules a carried waiver of `criterion_id` is judged by; None when the checklist
    no longer has it or it is critical (never waived): its waiver is dropped."""
    try:
        section, criterion = checklist.section_of(criterion_id), checklist.criterion(criterion_id)
    except KeyError:
        return None
    if waiver_refusal(section, criterion) is not None:
        return None
    return checklist.waiver_rules(criterion_id)


def carried_waivers(
    checklist: Checklist, directory: Path, release: str | None, now: datetime, operator: str
) -> Carried:
    """The waivers of the ledger in `directory` that still hold for a meeting (or a
    `gonogo check`) on `release` at `now`, and why others lapsed.

    Raises:
        EvidenceError: the ledger is broken, or a sealed record cannot be read.
    """
    ledger = read_ledger_waivers(directory, release)
    today = now.astimezone(UTC).date()
    return carry_over(ledger, lambda cid: carry_rules(checklist, cid), today, now, operator)


def _read_record(directory: Path, record_id: str) -> dict[str, Any]:
    path = directory / f"{record_id}.json"
    try:
        data = json.loads(files.read_file(path))  # never through a link, never a FIFO
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot read ({exc.strerror})") from None
    except ValueError as exc:
        raise EvidenceError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise EvidenceError(f"{path}: not a decision record")
    return data


def _waivers(data: dict[str, Any]) -> dict[str, PastWaiver]:
    """The waivers of one record's WAIVED criteria (a malformed one is left out: the record
    is `gonogo verify`'s to judge, and a waiver it cannot read is not carried)."""
    found: dict[str, PastWaiver] = {}
    for section in data.get("sections") or []:
        criteria = section.get("criteria") if isinstance(section, dict) else None
        for criterion in criteria if isinstance(criteria, list) else []:
            if not isinstance(criterion, dict) or criterion.get("status") != "WAIVED":
                continue
            waiver = criterion.get("waiver")
            if not isinstance(waiver, dict):
                continue
            try:
                found[str(criterion["id"])] = past_waiver(str(criterion["id"]), waiver)
            except (KeyError, TypeError, ValueError):
                continue
    return found


def past_waiver(criterion_id: str, waiver: dict[str, Any]) -> PastWaiver:
    """A record's `waiver` object read back.

    Raises:
        KeyError, TypeError, ValueError: malformed.
    """
    until = waiver.get("until")
    releases = waiver.get("releases")
    granted = waiver.get("granted_at") or waiver.get("at")
    return PastWaiver(
        criterion_id=criterion_id,
        approver=str(waiver.get("approver") or waiver.get("operator") or ""),
        role=str(waiver.get("role") or ""),
        reason=str(waiver["reason"]),
        granted_at=parse_utc(str(granted)) if granted else None,
        until=date.fromisoformat(str(until)) if until else None,
        releases=int(releases) if releases is not None else None,
        nth=int(waiver.get("nth") or 1),
        carried_from=str(waiver.get("carried_from") or ""),
    )


__all__ = [
    "MAX_RELEASES_BACK",
    "carried_waivers",
    "carry_rules",
    "past_waiver",
    "read_ledger_waivers",
]
