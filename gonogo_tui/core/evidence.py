"""Decision records: build them from an evaluation and write them atomically into evidence/.

A record is `go_decision_YYYYmmdd_HHMMSS.txt` (or `no_go_decision_...`) in the seed's format
with a `.json` twin holding every result; an emergency override adds
`emergency_override_YYYYmmdd_HHMMSS.txt`. Files are never overwritten: a name that is taken
gets a `_2`, `_3`... suffix.
"""

from __future__ import annotations

import contextlib
import enum
import glob
import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gonogo_tui import __version__
from gonogo_tui.core import files
from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import Decision, Evaluation
from gonogo_tui.core.probes.base import Status, iso_utc, utc_now
from gonogo_tui.core.report import (
    criterion_detail,
    criterion_expected,
    criterion_source,
    criterion_value,
    missing_for_go,
    section_to_dict,
)

log = logging.getLogger(__name__)

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
class RecordPaths:
    """Where a record was written."""

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
) -> DecisionRecord:
    """Turn an evaluation and the meeting's inputs into a record.

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
    stamp = decided_at.strftime("%Y%m%d_%H%M%S")
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
    text = _record_text(data, evaluation, override, no_go)
    override_text = _override_text(data, override) if override is not None else None
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
    return {
        "format": "gonogo-decision-record/1",
        "record_id": record_id,
        "decision": decision,
        "display_decision": "OVERRIDE" if mode is RecordMode.EMERGENCY else decision,
        "policy_decision": evaluation.decision.value,
        "mode": mode.value,
        "release": release,
        "decided_at": iso_utc(decided_at),
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


def seed_timestamp(moment: datetime) -> str:
    """`date -u` style, as the seed's template writes it: `Thu Nov 26 10:15:00 UTC 2026`."""
    return moment.astimezone(UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def _record_text(
    data: dict[str, Any],
    evaluation: Evaluation,
    override: Override | None,
    no_go: NoGoDetails | None,
) -> str:
    decided_at = datetime.fromisoformat(data["decided_at"].replace("Z", "+00:00"))
    checks = f"{evaluation.sections_go}/{evaluation.sections_total}"
    approvers = ", ".join(f"{a['principal']} ({a['role']})" for a in data["approvals"])
    lines: list[str] = []
    if data["mode"] == RecordMode.EMERGENCY:
        assert override is not None
        names = ", ".join(f"{a.principal} ({a.role})" for a in override.approvers)
        lines += [
            "GO/NO-GO Decision: OVERRIDE ⚠️ (emergency override, not a plain GO)",
            f"Timestamp: {seed_timestamp(decided_at)}",
            f"Approver: {names}",
            f"Checks Passed: {checks}",
            f"Policy Decision: {data['policy_decision']}",
            f"Override Reason: {override.reason}",
            f"Risk Assessment: {override.risk_assessment}",
            "Next Step: Canary Deployment (1% → 100%) under emergency override",
        ]
    elif data["decision"] == "GO":
        lines += [
            "GO/NO-GO Decision: GO ✅",
            f"Timestamp: {seed_timestamp(decided_at)}",
            f"Approver: {approvers or data['operator']}",
            f"Checks Passed: {checks}",
            "Next Step: Canary Deployment (1% → 100%)",
        ]
        if data["mode"] == RecordMode.REVIEW:
            lines.append("Policy Decision: REVIEW, approved by the CTO")
            lines += [
                f"Approval Comment: {a['principal']} ({a['role']}): {a['comment']}"
                for a in data["approvals"]
                if a["vote"] == "approve" and a["comment"]
            ]
    else:
        failed = [s.section.title for s in evaluation.failed_sections]
        reason = no_go.reason if no_go and no_go.reason.strip() else ""
        reason = reason or ("Failed checks: " + "; ".join(failed) if failed else "not approved")
        lines += [
            "GO/NO-GO Decision: NO-GO ❌",
            f"Timestamp: {seed_timestamp(decided_at)}",
            f"Reason: {reason}",
            f"Action: {(no_go.action if no_go else '') or 'Investigation/Fix required'}",
            f"Next Review: {(no_go.next_review if no_go else '') or 'to be scheduled'}",
            f"Checks Passed: {checks}",
        ]
        if data["policy_decision"] == Decision.REVIEW.value:
            lines.append("Policy Decision: REVIEW (CTO approval required), not approved")
    lines += [
        "",
        f"Record: {data['record_id']}",
        f"Checklist: {data['checklist']['title']} ({data['checklist']['path']}, "
        f"sha256 {data['checklist']['sha256'][:16]})",
        f"Release: {data['release'] or '-'}",
        f"Operator: {data['operator']}",
        "Signatures: unsigned (approvers sign with `gonogo sign`; `gonogo verify` checks)",
        "",
        "Failed Checks:",
    ]
    missing = [c for s in evaluation.sections for c in s.criteria if not c.passed]
    lines += [
        f"- [{c.status.value}] {c.criterion.id}: {c.criterion.title}: {criterion_detail(c)}"
        for c in missing
    ] or ["- none"]
    waived = [c for s in evaluation.sections for c in s.criteria if c.status is Status.WAIVED]
    if waived:
        lines += ["", "Waivers:"]
        lines += [
            f"- {c.criterion.id} ({c.underlying.value if c.underlying else '?'}) waived by "
            f"{c.waiver.operator} at {iso_utc(c.waiver.at)}: {c.waiver.reason}"
            for c in waived
            if c.waiver is not None
        ]
    if data["notes"]:
        lines += ["", "Notes:"]
        lines += [
            f"- {n['at']} {n['operator']}"
            + (f" on {n['criterion_id']}" if n["criterion_id"] else "")
            + f": {n['text']}"
            for n in data["notes"]
        ]
    lines += ["", "Sections:"]
    for section in evaluation.sections:
        lines.append(
            f"{section.number:>2}. {section.status.value:<5} {section.section.title} "
            f"({section.passed_count}/{len(section.criteria)})"
        )
    lines += ["", "Criteria:"]
    for section in evaluation.sections:
        for c in section.criteria:
            line = (
                f"[{c.status.value}] {section.section.id}/{c.criterion.id}: {c.criterion.title}"
                f" | value: {criterion_value(c) or '-'} | expected: {criterion_expected(c)}"
                f" | source: {criterion_source(c)}"
            )
            if c.tick is not None:
                line += f" | ticked by {c.tick.operator} at {iso_utc(c.tick.at)}"
                if c.tick.note:
                    line += f" | tick note: {' '.join(c.tick.note.split())}"
            lines.append(line)
    return "\n".join(_printable(line) for line in lines) + "\n"


def _override_text(data: dict[str, Any], override: Override) -> str:
    decided_at = datetime.fromisoformat(data["decided_at"].replace("Z", "+00:00"))
    lines = [
        "EMERGENCY OVERRIDE ⚠️",
        f"Timestamp: {seed_timestamp(decided_at)}",
        f"Decision Record: {data['record_id']}.txt",
        f"Policy Decision: {data['policy_decision']}",
        "Override Decision: GO (OVERRIDE)",
        f"Checks Passed: {data['sections_go']}/{data['sections_total']}",
        f"Reason: {override.reason}",
        f"Risk Assessment: {override.risk_assessment}",
        "Approved by:",
    ]
    lines += [f"- {a.principal} ({a.role}) at {iso_utc(a.at)}" for a in override.approvers]
    return "\n".join(_printable(line) for line in lines) + "\n"


def _printable(line: str) -> str:
    """Drop control characters (ANSI escapes, NUL) so a record never carries them."""
    return "".join(ch if ch.isprintable() or ch == "\t" else f"\\x{ord(ch):02x}" for ch in line)


@dataclass(frozen=True)
class RecordPlan:
    """Every file of one record, named and rendered, before any is written.

    `files` are paths relative to the evidence folder, in writing order: the `.json`, the
    override text, the probe artifacts, and the `.txt` last (so a `.txt` on disk means every
    other file of the record is there too). All are UTF-8 text.
    """

    stem: str
    """The record's file stem: its record id, with `_2`, `_3`... when the name was taken."""
    override_stem: str | None
    files: tuple[tuple[str, str], ...]

    @property
    def txt(self) -> str:
        """The `.txt` file's name."""
        return f"{self.stem}.txt"

    @property
    def json(self) -> str:
        """The `.json` file's name."""
        return f"{self.stem}.json"

    @property
    def override(self) -> str | None:
        """The emergency override text's name, if any."""
        return None if self.override_stem is None else f"{self.override_stem}.txt"

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON (the session journal keeps it until the record is complete)."""
        return {
            "stem": self.stem,
            "override_stem": self.override_stem,
            "files": [{"name": name, "text": text} for name, text in self.files],
        }

    @classmethod
    def from_dict(cls, data: Any) -> RecordPlan:
        """Read a plan back, refusing any name that is not one of the record's own files.

        Raises:
            KeyError, ValueError, TypeError: not a plan.
        """
        stem = str(data["stem"])
        override = data.get("override_stem")
        plan = cls(
            stem,
            None if override is None else str(override),
            tuple((str(item["name"]), str(item["text"])) for item in data["files"]),
        )
        stems = [s for s in (plan.stem, plan.override_stem) if s is not None]
        if not all(_SAFE_STEM.fullmatch(s) for s in stems):
            raise ValueError(f"unusable record stem in {stems}")
        names = [name for name, _ in plan.files]
        for name in names:
            parts = name.split("/")
            owned = parts[0] in (plan.txt, plan.json, plan.override) or (
                len(parts) == 3 and parts[0] == f"{stem}{ARTIFACTS_SUFFIX}"
            )
            if not owned or any(not part or part.startswith(".") for part in parts):
                raise ValueError(f"{name!r} is not a file of record {stem}")
        if names[-1:] != [plan.txt] or plan.json not in names:
            raise ValueError(f"record {stem} needs its .json, and its .txt last")
        return plan


_SAFE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def plan_record(record: DecisionRecord, evidence_dir: Path) -> RecordPlan:
    """Choose the record's free file names in `evidence_dir` and render every file.

    Raises:
        EvidenceError: no free name, or a probe artifact with an unusable name.
    """
    stem, override_stem = _free_stems(record, evidence_dir)
    data = {**record.data, "record_id": stem}
    files = [(f"{stem}.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")]
    if record.override_text is not None and override_stem is not None:
        override_text = record.override_text.replace(
            f"Decision Record: {record.record_id}.txt", f"Decision Record: {stem}.txt", 1
        )
        files.append((f"{override_stem}.txt", override_text))
    for criterion_id, named in record.artifacts.items():
        for name, text in named.items():
            safe_name = Path(name).name
            if not safe_name or safe_name in (".", ".."):
                raise EvidenceError(f"{criterion_id}: unusable artifact name {name!r}")
            files.append((f"{stem}{ARTIFACTS_SUFFIX}/{criterion_id}/{safe_name}", text))
    text = record.text.replace(f"Record: {record.record_id}", f"Record: {stem}", 1)
    files.append((f"{stem}.txt", text))
    return RecordPlan(stem, override_stem, tuple(files))


def write_record(
    record: DecisionRecord,
    evidence_dir: Path,
    *,
    now: Callable[[], datetime] = utc_now,
    seal: bool = True,
) -> RecordPaths:
    """Write the record's files atomically, never overwriting one, then seal it.

    Sealing writes `<stem>.statement.json` (the bytes approvers sign) and appends the
    record to `ledger.jsonl`; see `gonogo_tui.core.signing.seal_record`. A crash part way
    leaves part of the record; the review (`core/finalizing.py`) and `gonogo check`
    (`core/pending_records.py`) avoid that by saving the `plan_record` first (in the session
    journal, in a plan file) and completing it with `write_plan` after a crash.

    Raises:
        EvidenceError: the folder cannot be created or written, or sealing failed.
    """
    make_evidence_folder(evidence_dir)
    return write_plan(plan_record(record, evidence_dir), evidence_dir, now=now, seal=seal)


def write_plan(
    plan: RecordPlan,
    evidence_dir: Path,
    *,
    now: Callable[[], datetime] = utc_now,
    seal: bool = True,
    completing: bool = False,
) -> RecordPaths:
    """Write a planned record's files in order, each atomically, then seal the record.

    With `completing`, finish a plan that a crash interrupted: a file already there with
    exactly the planned bytes is kept, a record already in the ledger is not sealed again
    (a statement without its ledger line is adopted by sealing), and the hidden temp files
    the crash left for these names are removed. A file with other bytes is never replaced.

    Raises:
        EvidenceError: a file cannot be written or its name is taken, or sealing failed.
    """
    make_evidence_folder(evidence_dir)
    if completing:
        _remove_temp_files(plan, evidence_dir)
    for name, text in plan.files:
        path = evidence_dir / name
        data = text.encode("utf-8")
        if completing and _holds(path, data):
            continue
        if path.parent != evidence_dir:
            _make_subfolders(evidence_dir, path.parent)
        write_new_file(path, data)
    txt_path, json_path = evidence_dir / plan.txt, evidence_dir / plan.json
    override_path = None if plan.override is None else evidence_dir / plan.override
    statement = None
    if seal:
        from gonogo_tui.core.signing import locate_record, seal_record
        from gonogo_tui.core.signing.ledger import read_ledger

        located = locate_record(txt_path)
        if completing and read_ledger(located.ledger).find(plan.stem) is not None:
            statement = located.statement
        else:
            extra = [override_path] if override_path is not None else []
            statement = seal_record(txt_path, json_path, now=now, extra_files=extra)
    return RecordPaths(txt=txt_path, json=json_path, override=override_path, statement=statement)


ARTIFACTS_SUFFIX = "_artifacts"
"""Probe artifacts go to `<record stem>_artifacts/<criterion id>/<name>`."""
PENDING_PREFIX = "pending_"
"""`pending_<stem>.json`: the plan of a record `gonogo check --record` is writing, or that a
crash interrupted (`core/pending_records.py`); it keeps the record's names taken."""


def pending_plan_name(stem: str) -> str:
    """The name of the plan file of the record `stem`."""
    return f"{PENDING_PREFIX}{stem}.json"


def make_evidence_folder(evidence_dir: Path) -> None:
    """Create the evidence folder (and its parents) if needed.

    Raises:
        EvidenceError: a file or a symbolic link has its name, or it cannot be created.
    """
    files.make_folder(evidence_dir)


def _make_subfolders(evidence_dir: Path, folder: Path) -> None:
    """Create `folder` inside `evidence_dir` one level at a time, refusing a link planted
    at any level (a record's artifacts would otherwise be written where it points)."""
    current = evidence_dir
    for part in folder.relative_to(evidence_dir).parts:
        current = current / part
        files.make_folder(current)


def _holds(path: Path, data: bytes) -> bool:
    """Whether `path` exists holding exactly `data` (written before a crash)."""
    try:
        return files.read_file(path) == data
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _remove_temp_files(plan: RecordPlan, evidence_dir: Path) -> None:
    """Remove the hidden temp files (`.<name>.<random>.tmp`, see `core/files.py`) that a
    crash left while writing this record's files or its statement; only the writer of the
    record uses these names."""
    names = [name for name, _ in plan.files] + [f"{plan.stem}.statement.json"]
    for name in names:
        path = evidence_dir / name
        if not path.parent.is_dir() or path.parent.is_symlink():
            continue
        for temp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


def _free_stems(record: DecisionRecord, evidence_dir: Path) -> tuple[str, str | None]:
    base = record.record_id
    override_base = f"emergency_override_{record.timestamp}" if record.override_text else None
    for attempt in range(1, 1000):
        suffix = "" if attempt == 1 else f"_{attempt}"
        stem = base + suffix
        names = [
            f"{stem}.txt",
            f"{stem}.json",
            f"{stem}{ARTIFACTS_SUFFIX}",
            f"{stem}.statement.json",
            pending_plan_name(stem),
        ]
        override_stem = override_base + suffix if override_base else None
        if override_stem:
            names.append(f"{override_stem}.txt")
        # lexists: a dangling link at a name takes it too (write_new_file never follows
        # one), so a name planted in the folder moves the record on instead of blocking it.
        taken = [evidence_dir / name for name in names if files.lexists(evidence_dir / name)]
        if not taken:
            return stem, override_stem
        for path in taken:
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                log.warning("%s: not a record's file (a link or special file); skipped", path)
    raise EvidenceError(f"{evidence_dir}: no free name for {base}")


def write_new_file(path: Path, content: bytes) -> Path:
    """Write `content` to a new file atomically (temp file, fsync, link); never overwrite.

    Raises:
        EvidenceError: the file exists already, or the write failed.
    """
    try:
        files.write_new_file(path, content)
    except FileExistsError:
        raise EvidenceError(f"{path}: exists already; evidence is never overwritten") from None
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path


__all__ = [
    "PENDING_PREFIX",
    "Approval",
    "DecisionRecord",
    "NoGoDetails",
    "Note",
    "Override",
    "RecordMode",
    "RecordPaths",
    "RecordPlan",
    "build_record",
    "make_evidence_folder",
    "pending_plan_name",
    "plan_record",
    "seed_timestamp",
    "validate_override",
    "validate_review_approval",
    "write_new_file",
    "write_plan",
    "write_record",
]
