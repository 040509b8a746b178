"""`gonogo verify`'s checks of the poll: the quorum a GO needs, and no self-approval."""

from __future__ import annotations

import json
from collections.abc import Iterable

from gonogo_tui.core.poll import quorum_finding, self_approval_refusal
from gonogo_tui.core.signing.status import CheckedApproval


def poll_findings(json_bytes: bytes, approvals: Iterable[CheckedApproval]) -> list[str]:
    """What the record's poll or its signatures break of the record's policy: a GO whose
    poll falls short of `policy.quorum`, and, under `policy.no_self_approval`, an approving
    signature by the release's deployer. Empty when nothing (or the JSON is unreadable:
    the integrity checks report that)."""
    try:
        raw = json.loads(json_bytes)
    except ValueError:
        return []
    if not isinstance(raw, dict) or not isinstance(raw.get("policy"), dict):
        return []
    findings = []
    quorum = quorum_finding(raw)
    if quorum is not None:
        findings.append(quorum)
    for approval in approvals:
        document = approval.approval
        if not approval.counted or document is None or document.vote != "approve":
            continue
        refusal = self_approval_refusal(
            raw["policy"], raw.get("poll"), document.principal, document.role
        )
        if refusal is not None:
            findings.append(f"self-approval: {refusal}")
    return findings


__all__ = ["poll_findings"]
