"""The part of a decision record's JSON that signing relies on (the files' names and paths
are in `core/records/layout.py`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gonogo_tui.core.clock import parse_utc
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.signing._files import parse_json_strict


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class RecordApproval(_Model):
    """A vote collected in the meeting and written into the record (unsigned)."""

    role: str
    principal: str
    vote: Literal["approve", "reject"]
    comment: str = ""
    at: str | None = None


class OverrideApprover(_Model):
    """Someone the record names as approving an emergency override."""

    role: str
    principal: str


class RecordOverride(_Model):
    """An emergency override of a NO-GO."""

    reason: str
    risk_assessment: str
    approvers: list[OverrideApprover] = Field(default_factory=list)


class RecordSection(_Model):
    """A checklist section's outcome."""

    id: str
    title: str
    status: Literal["GO", "NO-GO"]


class RecordChecklist(_Model):
    """Which checklist the review ran."""

    path: str | None
    sha256: str
    title: str


class RecordJson(_Model):
    """The keys of a record's JSON that sealing and verification read."""

    record_id: str
    decision: Literal["GO", "NO-GO"]
    policy_decision: Literal["GO", "REVIEW", "NO-GO"]
    mode: Literal["normal", "review", "emergency"]
    release: str | None
    decided_at: str
    operator: str | None
    checklist: RecordChecklist
    policy: dict[str, Any]
    sections: list[RecordSection]
    sections_go: int
    sections_total: int
    approvals: list[RecordApproval]
    override: RecordOverride | None
    tool_version: str


def parse_record_json(data: bytes, *, source: str) -> tuple[dict[str, Any], RecordJson]:
    """Parse a record's JSON into its raw mapping and a validated view.

    Raises:
        EvidenceError: naming the file and the field that is wrong.
    """
    try:
        raw = parse_json_strict(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EvidenceError(f"{source}: not valid JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise EvidenceError(f"{source}: expected a JSON object")
    try:
        view = RecordJson.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(root)"
        raise EvidenceError(f"{source}: {field}: {first['msg']}") from exc
    try:
        parse_utc(view.decided_at)
    except ValueError as exc:
        raise EvidenceError(f"{source}: decided_at: {exc}") from exc
    return raw, view
