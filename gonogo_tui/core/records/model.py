"""The decision record's model: the meeting's inputs (approvals, override, NO-GO details,
notes) and the finished record, before and after it is written."""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from gonogo_tui.core.clock import iso_utc
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import Decision

RECORD_FORMAT = "gonogo-decision-record/1"
"""The `format` of a record's `.json`."""

SENIOR_ENGINEER = "senior-engineer"
CTO = "cto"


class RecordMode(enum.StrEnum):
    """How the final decision was reached."""

    NORMAL = "normal"
    """The policy's decision stands."""
    REVIEW = "review"
    """REVIEW turned into GO by the CTO's approval."""
    EMERGENCY = "emergency"
    """An emergency override: CTO + two senior engineers."""


@dataclass(frozen=True)
class Approval:
    """One person's vote on the decision, collected in the meeting."""

    role: str
    """cto, devops-lead, product-owner, senior-engineer, ..."""
    principal: str
    """Name or e-mail of the person."""
    at: datetime
    vote: str = "approve"
    """approve or reject."""
    comment: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "role": self.role,
            "principal": self.principal,
            "vote": self.vote,
            "comment": self.comment,
            "at": iso_utc(self.at),
        }


@dataclass(frozen=True)
class Override:
    """An emergency override of a NO-GO or REVIEW."""

    reason: str
    risk_assessment: str
    approvers: tuple[Approval, ...]


@dataclass(frozen=True)
class NoGoDetails:
    """What the seed's NO-GO template asks for."""

    reason: str
    action: str
    next_review: str


@dataclass(frozen=True)
class Note:
    """A note taken during the meeting."""

    text: str
    operator: str
    at: datetime
    criterion_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "operator": self.operator,
            "at": iso_utc(self.at),
            "criterion_id": self.criterion_id,
        }


@dataclass(frozen=True)
class DecisionRecord:
    """A finished decision, ready to be written."""

    record_id: str
    """File stem, e.g. `go_decision_20261126_101500`."""
    decision: str
    """The final decision: GO or NO-GO (an override is GO in mode emergency)."""
    policy_decision: Decision
    mode: RecordMode
    decided_at: datetime
    text: str
    """The .txt content in the seed's format."""
    data: dict[str, Any]
    """The .json content."""
    override_text: str | None = None
    timestamp: str = field(default="")
    """`YYYYmmdd_HHMMSS` of decided_at, shared by the file names."""
    artifacts: dict[str, dict[str, str]] = field(default_factory=dict)
    """Evidence texts probes kept (criterion id -> name -> text), written beside the record."""

    @property
    def display_decision(self) -> str:
        """GO, NO-GO or OVERRIDE: what screens and reports show."""
        return "OVERRIDE" if self.mode is RecordMode.EMERGENCY else self.decision

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON document written beside the text."""
        return self.data


@dataclass(frozen=True)
class WrittenRecord:
    """Where a record was written (the files of a record by name: `layout.RecordPaths`)."""

    txt: Path
    json: Path
    override: Path | None = None
    statement: Path | None = None
    """The sealed in-toto statement (see docs/signing.md)."""


def validate_override(override: Override) -> None:
    """Check the seed's rule: CTO + 2 senior engineers, distinct, with reason and risk.

    Raises:
        EvidenceError: what is missing, in one line.
    """
    if not override.reason.strip():
        raise EvidenceError("an emergency override needs a reason")
    if not override.risk_assessment.strip():
        raise EvidenceError("an emergency override needs a risk assessment")
    # One person however typed: case, repeated spaces, full-width letters (`Ｃarol`).
    names = [
        " ".join(unicodedata.normalize("NFKC", a.principal).casefold().split())
        for a in override.approvers
    ]
    if any(not name for name in names):
        raise EvidenceError("every override approver needs a name")
    if len(set(names)) != len(names):
        raise EvidenceError("override approvers must be distinct people")
    ctos = [a for a in override.approvers if a.role == CTO]
    seniors = [a for a in override.approvers if a.role == SENIOR_ENGINEER]
    if len(ctos) < 1:
        raise EvidenceError("an emergency override needs the CTO")
    if len(seniors) < 2:
        raise EvidenceError("an emergency override needs two senior engineers")


def validate_review_approval(approval: Approval) -> None:
    """Check that a vote turning REVIEW into GO names its person and says why.

    Raises:
        EvidenceError: what is missing, in one line.
    """
    if not approval.principal.strip():
        raise EvidenceError("the approver's name is required")
    if not approval.comment.strip():
        raise EvidenceError("a comment is required: why the deployment may proceed")
