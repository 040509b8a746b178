"""Where a decision record's files live, and the part of its JSON that signing relies on.

A record is `<stem>.txt` and `<stem>.json` (written by `core/evidence.py`), plus what
signing adds next to them: `<stem>.statement.json` (the sealed in-toto statement),
`<stem>.approval.<role>.<principal>.json` and its `.sig` (one per approver), and a line
in `ledger.jsonl` in the same folder.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.signing._files import parse_json_strict, parse_utc

STATEMENT_SUFFIX = ".statement.json"
APPROVAL_MARKER = ".approval."
LEDGER_NAME = "ledger.jsonl"
LOCK_NAME = ".ledger.lock"
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9@._+-]")


@dataclass(frozen=True)
class RecordPaths:
    """The files of one decision record, all in one evidence folder."""

    directory: Path
    """The evidence folder."""
    stem: str
    """The record id, e.g. `go_decision_20261126_101500`."""

    @property
    def txt(self) -> Path:
        """The human-readable record."""
        return self.directory / f"{self.stem}.txt"

    @property
    def json(self) -> Path:
        """The machine-readable record."""
        return self.directory / f"{self.stem}.json"

    @property
    def statement(self) -> Path:
        """The sealed in-toto statement."""
        return self.directory / f"{self.stem}{STATEMENT_SUFFIX}"

    @property
    def ledger(self) -> Path:
        """The evidence folder's hash-chained ledger."""
        return self.directory / LEDGER_NAME

    def approval(self, role: str, principal: str) -> Path:
        """The approval document that `principal` signs as `role`.

        The principal is spelled in safe characters; when that changes it (non-ASCII or
        a long principal), a digest of the principal keeps two people apart (`张伟@x` and
        `李娜@x` are both `__@x` spelled safely).
        """
        slug = _UNSAFE_NAME_CHARS.sub("_", principal)[:80]
        if slug != principal:
            slug += "+" + hashlib.sha256(principal.encode("utf-8")).hexdigest()[:12]
        return self.directory / f"{self.stem}{APPROVAL_MARKER}{role}.{slug}.json"

    def approval_documents(self) -> list[Path]:
        """Every approval document present, signed or not, sorted by name."""
        return sorted(self.directory.glob(f"{_glob_escape(self.stem)}{APPROVAL_MARKER}*.json"))

    def approval_signatures(self) -> list[Path]:
        """Every approval signature present, sorted by name."""
        pattern = f"{_glob_escape(self.stem)}{APPROVAL_MARKER}*.json.sig"
        return sorted(self.directory.glob(pattern))


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def locate_record(path: Path) -> RecordPaths:
    """Find a record's files from any one of them (the .txt, the .json, the statement).

    Raises:
        EvidenceError: the name is not one of a record's files.
    """
    name = path.name
    if APPROVAL_MARKER in name:
        stem = name.split(APPROVAL_MARKER, 1)[0]
    elif name.endswith(STATEMENT_SUFFIX):
        stem = name[: -len(STATEMENT_SUFFIX)]
    elif name.endswith((".txt", ".json")):
        stem = path.stem
    else:
        raise EvidenceError(f"{path}: expected a record's .txt, .json or .statement.json file")
    if not stem:
        raise EvidenceError(f"{path}: not a record file name")
    return RecordPaths(path.parent.resolve(), stem)


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


class Override(_Model):
    """An emergency override of a NO-GO."""

    reason: str
    risk_assessment: str
    approvers: list[OverrideApprover] = Field(default_factory=list)


class Section(_Model):
    """A checklist section's outcome."""

    id: str
    title: str
    status: Literal["GO", "NO-GO"]


class RecordChecklist(_Model):
    """Which checklist the review ran."""

    path: str | None
    sha256: str
    title: str


class RecordView(_Model):
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
    sections: list[Section]
    sections_go: int
    sections_total: int
    approvals: list[RecordApproval]
    override: Override | None
    tool_version: str


def parse_record_json(data: bytes, *, source: str) -> tuple[dict[str, Any], RecordView]:
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
        view = RecordView.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(root)"
        raise EvidenceError(f"{source}: {field}: {first['msg']}") from exc
    try:
        parse_utc(view.decided_at)
    except ValueError as exc:
        raise EvidenceError(f"{source}: decided_at: {exc}") from exc
    return raw, view
