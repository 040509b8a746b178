"""Building a decision record from an evaluation and the meeting's inputs."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from gonogo_tui import __version__
from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.clock import file_stamp, iso_utc
from gonogo_tui.core.deltas import Past, since_last_go
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import Decision, Evaluation
from gonogo_tui.core.evaluation_export import missing_for_go, section_to_dict, with_weights
from gonogo_tui.core.records.model import (
    RECORD_FORMAT,
    Approval,
    DecisionRecord,
    NoGoDetails,
    Note,
    Override,
    RecordMode,
    validate_override,
    validate_review_approval,
)
from gonogo_tui.core.records.text import render_override_text, render_record_text
from gonogo_tui.core.waivers import waivers_summary


def build_record(
    checklist: Checklist,
    evaluation: Evaluation,
    *,
    operator: str,
    decided_at: datetime,
    release: str | None = None,
    approvals: Sequence[Approval] = (),
    override: Override | None = None,
    no_go: NoGoDetails | None = None,
    notes: Sequence[Note] = (),
    started_at: datetime | None = None,
    poll: dict[str, Any] | None = None,
    past: Past | None = None,
) -> DecisionRecord:
    """Turn an evaluation and the meeting's inputs into a record.

    `started_at` is when the meeting (or `gonogo check`) began; `gonogo history` shows the
    time from it to the decision. `poll` is the poll as `core.poll.poll_record` gives it:
    every owner's answer, recorded under `poll` (left out when None). `past` is the ledger's
    last GO and decisions before this one (`core.deltas.read_past`): what changed since the
    last GO is recorded under `since_last_go` (left out when there was no GO).

    REVIEW becomes GO only with an approving vote, with a name and a comment
    (`validate_review_approval`), from each role in the policy's `review_requires`;
    otherwise it is recorded as NO-GO. An override turns NO-GO or
    REVIEW into GO in mode emergency.

    Raises:
        EvidenceError: an invalid override, or an override of a GO.
    """
    decided_at = decided_at.astimezone(UTC)
    policy_decision = evaluation.decision
    mode = RecordMode.NORMAL
    if override is not None:
        if policy_decision is Decision.GO:
            raise EvidenceError("nothing to override: the decision is already GO")
        validate_override(override)
        decision, mode = "GO", RecordMode.EMERGENCY
    elif policy_decision is Decision.GO:
        decision = "GO"
    elif policy_decision is Decision.REVIEW and _review_approved(checklist, approvals):
        decision, mode = "GO", RecordMode.REVIEW
    else:
        decision = "NO-GO"
    stamp = file_stamp(decided_at)
    prefix = "go_decision" if decision == "GO" else "no_go_decision"
    record_id = f"{prefix}_{stamp}"
    data = _record_data(
        checklist,
        evaluation,
        record_id=record_id,
        decision=decision,
        mode=mode,
        operator=operator,
        decided_at=decided_at,
        release=release or checklist.release,
        approvals=approvals,
        override=override,
        no_go=no_go,
        notes=notes,
    )
    # `GO only because of 1 waiver (else REVIEW): ...`: a decision resting on waivers says so.
    data["waivers_summary"] = waivers_summary(evaluation, checklist.policy)
    if started_at is not None:
        data["started_at"] = iso_utc(started_at.astimezone(UTC))
    if poll is not None:
        data["poll"] = poll
    since = since_last_go(past, evaluation) if past is not None else None
    if since is not None:
        data["since_last_go"] = since
    artifacts = {
        outcome.criterion.id: dict(outcome.result.artifacts)
        for section in evaluation.sections
        for outcome in section.criteria
        if outcome.result is not None and outcome.result.artifacts
    }
    data["artifacts"] = {
        f"{cid}/{name}": hashlib.sha256(text.encode("utf-8")).hexdigest()
        for cid, named in artifacts.items()
        for name, text in named.items()
    }
    text = render_record_text(data, evaluation, override, no_go)
    override_text = render_override_text(data, override) if override is not None else None
    return DecisionRecord(
        record_id=record_id,
        decision=decision,
        policy_decision=policy_decision,
        mode=mode,
        decided_at=decided_at,
        text=text,
        data=data,
        override_text=override_text,
        timestamp=stamp,
        artifacts=artifacts,
    )


def _review_approved(checklist: Checklist, approvals: Sequence[Approval]) -> bool:
    required = set(checklist.policy.approvals.review_requires)
    approving = {a.role for a in approvals if a.vote == "approve" and _complete(a)}
    rejecting = {a.role for a in approvals if a.vote == "reject"}
    return bool(required) and required <= approving and not (required & rejecting)


def _complete(approval: Approval) -> bool:
    try:
        validate_review_approval(approval)
    except EvidenceError:
        return False
    return True


def _record_data(
    checklist: Checklist,
    evaluation: Evaluation,
    *,
    record_id: str,
    decision: str,
    mode: RecordMode,
    operator: str,
    decided_at: datetime,
    release: str | None,
    approvals: Sequence[Approval],
    override: Override | None,
    no_go: NoGoDetails | None,
    notes: Sequence[Note],
) -> dict[str, Any]:
    data = {
        "format": RECORD_FORMAT,
        "record_id": record_id,
        "decision": decision,
        "display_decision": "OVERRIDE" if mode is RecordMode.EMERGENCY else decision,
        "policy_decision": evaluation.decision.value,
        "mode": mode.value,
        "release": release,
        "decided_at": iso_utc(decided_at),
        # Sealed with the rest of the JSON: `gonogo verify` refuses the GO after it.
        "valid_until": iso_utc(decided_at + timedelta(seconds=checklist.policy.valid_for)),
        "operator": operator,
        "checklist": {
            "path": str(checklist.path) if checklist.path else None,
            "sha256": checklist.sha256,
            "title": checklist.title,
        },
        "policy": checklist.policy.model_dump(mode="json"),
        "sections_go": evaluation.sections_go,
        "sections_total": evaluation.sections_total,
        "missing": missing_for_go(evaluation),
        "sections": [section_to_dict(section) for section in evaluation.sections],
        "approvals": [a.to_dict() for a in approvals],
        "override": None
        if override is None
        else {
            "reason": override.reason,
            "risk_assessment": override.risk_assessment,
            "approvers": [a.to_dict() for a in override.approvers],
        },
        "no_go": None
        if no_go is None
        else {"reason": no_go.reason, "action": no_go.action, "next_review": no_go.next_review},
        "notes": [note.to_dict() for note in notes],
        "signatures": "unsigned",
        "tool_version": __version__,
    }
    return with_weights(data, evaluation)
