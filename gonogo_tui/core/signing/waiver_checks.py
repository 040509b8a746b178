"""`gonogo verify`'s checks of the record's waivers: each granted by a role the record's
policy allows (`policy.waivers`, narrowed by the criterion's own `waiver_policy`; past
`max_releases` in a row, only `renewed_by`), none carried past that limit, and none
expired at decision time.

A record written before waivers had an owner and an end (no `policy.waivers`) has nothing
to check here.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from gonogo_tui.core.checklist.waiver_policy import CriterionWaiverPolicy, WaiverPolicy
from gonogo_tui.core.clock import parse_utc
from gonogo_tui.core.signing.outcome import Failure
from gonogo_tui.core.waiver_rules import expired, ordinal, waiver_from_dict


def waiver_findings(json_bytes: bytes, name: str) -> list[tuple[Failure, str]]:
    """What the record's waivers break of its own policy: a role that may not grant one is
    a policy failure (exit 2), one expired when the decision was taken a decision failure
    (exit 3). Empty when nothing (or the JSON is unreadable: the integrity checks say so).

    Args:
        json_bytes: the record's JSON.
        name: the JSON file's name, for the messages.
    """
    try:
        raw = json.loads(json_bytes)
        policy_data = raw["policy"]["waivers"]
        decided = parse_utc(str(raw["decided_at"])).date()
    except (ValueError, KeyError, TypeError):
        return []
    try:
        policy = WaiverPolicy.model_validate(policy_data)
    except ValueError:
        return [(Failure.INTEGRITY, f"{name}: policy.waivers is malformed")]
    findings: list[tuple[Failure, str]] = []
    for section in raw.get("sections") or []:
        criteria = section.get("criteria") if isinstance(section, dict) else None
        for criterion in criteria if isinstance(criteria, list) else []:
            if isinstance(criterion, dict) and criterion.get("status") == "WAIVED":
                findings += _criterion_findings(criterion, policy, decided, name)
    return findings


def _criterion_findings(
    criterion: dict[str, Any], policy: WaiverPolicy, decided: date, name: str
) -> list[tuple[Failure, str]]:
    cid = str(criterion.get("id"))
    try:
        own = criterion.get("waiver_policy")
        rules = policy.rules(CriterionWaiverPolicy.model_validate(own) if own else None)
        waiver = waiver_from_dict(cid, criterion["waiver"], parse_utc("2000-01-01T00:00:00Z"))
    except (KeyError, TypeError, ValueError):
        return [(Failure.INTEGRITY, f"{name}: the waiver of {cid} is malformed")]
    if not waiver.role:
        return [(Failure.POLICY, f"{name}: the waiver of {cid} names no role that granted it")]
    findings: list[tuple[Failure, str]] = []
    allowed = rules.may_grant(waiver.in_a_row)
    if waiver.role not in allowed:
        findings.append(
            (
                Failure.POLICY,
                f"{name}: the waiver of {cid} was granted by {waiver.granted_by} as "
                f"{waiver.role}, who may not grant it ({ordinal(waiver.in_a_row)} release in "
                f"a row; policy.waivers: {', '.join(allowed)})",
            )
        )
    elif waiver.carried_from and allowed is not rules.granted_by:
        findings.append(
            (
                Failure.POLICY,
                f"{name}: the waiver of {cid} was carried into the "
                f"{ordinal(waiver.in_a_row)} release in a row (limit {rules.max_releases}): "
                f"{', '.join(rules.renewed_by)} must grant it again",
            )
        )
    lapsed = expired(waiver, waiver.nth, decided)
    if lapsed is not None:
        findings.append(
            (
                Failure.DECISION,
                f"{name}: the waiver of {cid} had expired when the decision was taken "
                f"({decided.isoformat()}): {lapsed}",
            )
        )
    return findings


__all__ = ["waiver_findings"]
