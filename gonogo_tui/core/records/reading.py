"""Reading a written decision record back (`gonogo report`, the walkthrough's chat message):
its JSON twin checked once, and the approvals signed next to it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gonogo_tui.core import files
from gonogo_tui.core.errors import EvidenceError, SigningError
from gonogo_tui.core.records.model import RECORD_FORMAT
from gonogo_tui.core.signing.status import approval_status
from gonogo_tui.core.sparkline import samples_note


@dataclass(frozen=True)
class CriterionLine:
    """One criterion as the reports show it."""

    section_number: int
    section_title: str
    id: str
    title: str
    status: str
    detail: str
    waiver: Mapping[str, Any] | None
    critical: bool = False
    """Anything but PASS made the decision NO-GO."""
    advisory: bool = False
    """Shown, never blocking."""
    samples: str = ""
    """A sustained check's samples, `▁▃█ (3 taken)`; empty for a single measurement."""
    reading: str = ""
    """The value as the screen showed it (`30 h old, needs < 24 h`); empty in older records."""
    needs_tick: bool = False
    """A manual criterion nobody ticked (its status is PENDING)."""

    @property
    def shown_status(self) -> str:
        """The status as the screen says it: `needs tick` for a manual criterion not ticked."""
        return "needs tick" if self.needs_tick and self.status == "PENDING" else self.status

    @property
    def found(self) -> str:
        """A failed check's reading, then the probe's own words (`30 h old, needs < 24 h
        (probe: backup_age_hours = 30.00 (expected < 24))`); the detail alone without it."""
        if self.status != "FAIL" or not self.reading or self.reading in self.detail:
            return self.detail
        return f"{self.reading} (probe: {self.detail})" if self.detail else self.reading

    @property
    def marks(self) -> str:
        """` (critical)`, ` (advisory)` or nothing, for the reports' lines."""
        return " (critical)" * self.critical + " (advisory)" * self.advisory


@dataclass(frozen=True)
class SignedApproval:
    """An approval signed next to the record (`gonogo sign`), its signature checked."""

    role: str
    principal: str
    vote: str
    signed_at: str
    key: str
    """The fingerprint of the key that signed."""


@dataclass(frozen=True)
class Signatures:
    """The signatures next to a record, as the reports show them."""

    signed: tuple[SignedApproval, ...]
    summary: str
    """One line: how many signed, what is still needed, what is broken."""


NOT_SEALED = Signatures((), "unsigned (the record is not sealed)")


@dataclass(frozen=True)
class RecordView:
    """What the reports need from a record, read and checked once."""

    data: Mapping[str, Any]
    path: Path | None
    signatures: Signatures = NOT_SEALED
    """The approvals signed with `gonogo sign` (the record's own `approvals` are the
    names typed in the meeting, which no key vouches for)."""

    @property
    def decision(self) -> str:
        """GO, NO-GO or OVERRIDE."""
        return str(self.data.get("display_decision") or self.data["decision"])

    @property
    def sections(self) -> list[Mapping[str, Any]]:
        return list(self.data["sections"])

    def criteria(self) -> list[CriterionLine]:
        """Every criterion, in checklist order."""
        return [
            CriterionLine(
                section_number=int(section.get("number", index + 1)),
                section_title=str(section["title"]),
                id=str(criterion["id"]),
                title=str(criterion["title"]),
                status=str(criterion["status"]),
                detail=str(criterion.get("detail") or ""),
                waiver=criterion.get("waiver"),
                critical=criterion.get("critical") is True,
                advisory=criterion.get("advisory") is True,
                samples=_samples(criterion),
                reading=str(criterion.get("reading") or ""),
                needs_tick=criterion.get("manual") is True and not criterion.get("tick"),
            )
            for index, section in enumerate(self.sections)
            for criterion in section["criteria"]
        ]

    def failed(self) -> list[CriterionLine]:
        """Criteria neither passed nor waived that block (advisory ones: `advisory`)."""
        return [c for c in self.criteria() if c.status not in ("PASS", "WAIVED") and not c.advisory]

    def advisory(self) -> list[CriterionLine]:
        """Advisory criteria neither passed nor waived: shown, never blocking."""
        return [c for c in self.criteria() if c.status not in ("PASS", "WAIVED") and c.advisory]

    @property
    def reason(self) -> str:
        """Why the rules gave NO-GO whatever the count (a critical criterion), or empty."""
        return str(self.data.get("reason") or "")

    def waived(self) -> list[CriterionLine]:
        return [c for c in self.criteria() if c.status == "WAIVED"]

    def approvers(self) -> list[Mapping[str, Any]]:
        """Approvals typed in the meeting, then the override's approvers (unsigned)."""
        found = list(self.data.get("approvals") or [])
        override = self.data.get("override")
        if isinstance(override, Mapping):
            found += list(override.get("approvers") or [])
        return found


def _samples(criterion: Mapping[str, Any]) -> str:
    """A sustained check's samples as the reports show them, from the record's `sparkline`;
    empty for a single measurement."""
    line = criterion.get("sparkline")
    return samples_note(line) if isinstance(line, str) and line else ""


def load_record(path: Path) -> RecordView:
    """Reads a decision record: its `.json`, or the `.txt` beside it.

    Raises:
        EvidenceError: missing, unreadable, not JSON, or not a decision record.
    """
    json_path = path.with_suffix(".json") if path.suffix == ".txt" else path
    try:
        data = json.loads(files.read_file(json_path).decode("utf-8"))  # no link, no FIFO
    except FileNotFoundError:
        if json_path != path and path.exists():
            raise EvidenceError(f"{path}: its JSON twin {json_path.name} is missing") from None
        raise EvidenceError(f"{path}: no such record") from None
    except OSError as exc:
        raise EvidenceError(f"{json_path}: cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvidenceError(f"{json_path}: not a JSON decision record ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        raise EvidenceError(f"{json_path}: not a gonogo decision record ({RECORD_FORMAT})")
    missing = [
        key
        for key in ("decision", "decided_at", "sections", "sections_go", "sections_total")
        if key not in data
    ]
    if missing:
        raise EvidenceError(f"{json_path}: record lacks {', '.join(missing)}")
    try:
        view = RecordView(data, json_path.resolve())
        criteria = view.criteria()
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise EvidenceError(f"{json_path}: malformed sections ({exc!r})") from None
    problem = _shape_problem(data, criteria)
    if problem:
        raise EvidenceError(f"{json_path}: malformed record: {problem}")
    return RecordView(data, view.path, read_signatures(json_path))


def read_signatures(record_path: Path) -> Signatures:
    """The approvals signed next to a record, each signature checked against its key and the
    sealed record; who may sign is `gonogo verify`'s question (it needs allowed_signers)."""
    try:
        status = approval_status(record_path)
    except (SigningError, EvidenceError) as exc:
        if "not sealed" in str(exc):
            return NOT_SEALED
        return Signatures((), f"cannot be checked: {exc}")
    signed = tuple(
        SignedApproval(
            checked.approval.role,
            checked.approval.principal,
            checked.approval.vote,
            checked.approval.signed_at,
            checked.key_fingerprint or "?",
        )
        for checked in status.approvals
        if checked.counted and checked.approval is not None
    )
    if signed:
        parts = [f"{len(signed)} signed ({', '.join(a.role for a in signed)})"]
    else:
        parts = ["sealed, no signature yet"]
    if status.missing:
        parts.append(f"still needed: {', '.join(status.missing)}")
    if status.problems:
        parts.append(f"{len(status.problems)} broken: {'; '.join(status.problems)}")
    parts.append("signers not checked against allowed_signers (gonogo verify does)")
    return Signatures(signed, "; ".join(parts))


def _shape_problem(data: Mapping[str, Any], criteria: Sequence[CriterionLine]) -> str | None:
    """What in the record is not the shape the reports read, if anything."""

    def mappings(value: object) -> bool:
        return isinstance(value, list) and all(isinstance(item, Mapping) for item in value)

    for key in ("checklist", "override", "no_go"):
        if data.get(key) is not None and not isinstance(data[key], Mapping):
            return f"{key} is not an object"
    if data.get("approvals") is not None and not mappings(data["approvals"]):
        return "approvals is not a list of objects"
    override = data.get("override") or {}
    if override.get("approvers") is not None and not mappings(override["approvers"]):
        return "override.approvers is not a list of objects"
    for criterion in criteria:
        if criterion.waiver is not None and not isinstance(criterion.waiver, Mapping):
            return f"the waiver of {criterion.id} is not an object"
    return None


__all__ = [
    "NOT_SEALED",
    "CriterionLine",
    "RecordView",
    "SignedApproval",
    "Signatures",
    "load_record",
    "read_signatures",
]
