"""Writing a decision record without a session journal (`gonogo check --record`): a whole
record, once, or none.

The review's write-ahead protocol (`core/records/finalize.py`), with a plan file in the evidence
folder where the review has its journal:

1. under the folder's record lock (`.records.lock`), finish every record an earlier run left
   pending, then `plan_record` picks the free names and renders every file;
2. `pending_<stem>.json` (the plan, the decision, the operator, the decision time) is
   written whole and synced before any file of the record;
3. `write_plan` writes the files, each whole and never over another, and seals the record;
4. the plan file is removed.

A kill -9 before step 2 leaves no file of the record (at most a hidden temp file of the plan,
which the next run removes). A kill after it leaves the plan file, and the next command that
completes pending records (`gonogo check --record`, `gonogo review`, `gonogo seal`) writes
the record exactly as planned: same names, same bytes, sealed once, with its decision time
as the sealing time, as an uninterrupted run does. Every writer of plan files holds the lock
from step 1 to step 4, and the kernel drops the lock of a killed process, so a plan file
seen under the lock is one whose writer died.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from gonogo_tui.core import files
from gonogo_tui.core.clock import iso_utc, parse_iso
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.journal import PendingRecord
from gonogo_tui.core.records.finalize import FinalizeOutcome, write_pending
from gonogo_tui.core.records.layout import PENDING_PREFIX, RECORDS_LOCK_NAME, pending_plan_name
from gonogo_tui.core.records.model import DecisionRecord
from gonogo_tui.core.records.plan import plan_record
from gonogo_tui.core.records.write import make_evidence_folder, write_new_file

log = logging.getLogger(__name__)

PLAN_FORMAT = "gonogo-record-plan/1"
"""The `format` of a plan file."""
_PLAN_GLOB = f"{PENDING_PREFIX}*.json"
_PLAN_TEMP_GLOB = f".{PENDING_PREFIX}*.json.*.tmp"
"""Temp files of plan files being written (`core/files.py`): a kill leaves them."""

Completed = Callable[[FinalizeOutcome], None]
"""Told about each interrupted record that was completed, as soon as it is."""


def write_decision_record(
    record: DecisionRecord,
    evidence_dir: Path,
    *,
    operator: str,
    on_completed: Completed | None = None,
) -> FinalizeOutcome:
    """Write `record` into `evidence_dir` through a plan file, and seal it at its decision time.

    Records that earlier runs left pending are completed first (each reported to
    `on_completed`), so the new record never takes a name one of them was planned under.

    Raises:
        EvidenceError: a pending record cannot be completed (its plan file is unusable, or
            a file it names holds other bytes); or this record cannot be planned or written
            (its plan file then stays, and the next run completes it).
    """
    make_evidence_folder(evidence_dir)
    with _records_lock(evidence_dir):
        _complete_all(evidence_dir, on_completed)
        plan = plan_record(record, evidence_dir)
        pending = PendingRecord(
            plan=plan,
            decision=record.decision,
            display_decision=record.display_decision,
            operator=operator,
            at=record.decided_at,
        )
        plan_path = evidence_dir / pending_plan_name(plan.stem)
        write_new_file(plan_path, _plan_bytes(pending))
        outcome = write_pending(pending, evidence_dir, now=_clock(pending.at), completing=False)
        _remove_plan(plan_path)
    return outcome


def complete_pending(
    evidence_dir: Path, *, on_completed: Completed | None = None
) -> list[FinalizeOutcome]:
    """Finish every record whose writing a crash interrupted, oldest name first.

    Touches nothing (takes no lock, creates no file) when nothing is pending.

    Raises:
        EvidenceError: a plan file cannot be read or used (it is left as it is), or its
            record cannot be completed.
    """
    if not _anything_pending(evidence_dir):
        return []
    with _records_lock(evidence_dir):
        return _complete_all(evidence_dir, on_completed)


def pending_records(evidence_dir: Path) -> list[tuple[Path, PendingRecord]]:
    """The plan files in `evidence_dir` and their records, oldest name first (read only).

    A record `gonogo check` is writing right now is listed too.

    Raises:
        EvidenceError: a plan file cannot be read or used.
    """
    if not evidence_dir.is_dir():
        return []
    plans = []
    for path in sorted(evidence_dir.glob(_PLAN_GLOB)):
        if path.is_symlink() or not path.is_file():
            # gonogo writes plans as regular files: a link or FIFO planted at a plan's name
            # is not one, and must not stop every record (its name stays taken).
            log.warning("%s: not a plan file (a link or special file); ignored", path)
            continue
        plans.append((path, read_plan(path)))
    return plans


def read_plan(path: Path) -> PendingRecord:
    """Read one plan file.

    Raises:
        EvidenceError: unreadable, not a plan, or a plan of another record than its name
            says; the message names the file and says it was left alone.
    """
    try:
        raw = files.read_file(path)
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
            raise ValueError(f"not a {PLAN_FORMAT} file")
        pending = PendingRecord.from_fields(data, parse_iso(str(data["at"])))
        if path.name != pending_plan_name(pending.plan.stem):
            raise ValueError(f"it plans record {pending.plan.stem}, not the one its name says")
    except (ValueError, KeyError, TypeError) as exc:
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        raise EvidenceError(
            f"{path}: unusable record plan ({reason}); nothing was changed: check it, "
            "then move it out of the evidence folder"
        ) from None
    return pending


def _complete_all(evidence_dir: Path, on_completed: Completed | None) -> list[FinalizeOutcome]:
    """Complete every plan file; the caller holds the lock. Every plan is read before
    anything is written or removed, so an unusable one changes nothing."""
    plans = pending_records(evidence_dir)
    for temp in evidence_dir.glob(_PLAN_TEMP_GLOB):
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    outcomes = []
    for path, pending in plans:
        try:
            outcome = write_pending(pending, evidence_dir, now=_clock(pending.at), completing=True)
        except EvidenceError as exc:
            raise EvidenceError(
                f"{path}: the interrupted record {pending.plan.stem} cannot be completed: {exc}"
            ) from None
        _remove_plan(path)
        log.info("completed the interrupted record %s", pending.plan.stem)
        outcomes.append(outcome)
        if on_completed is not None:
            on_completed(outcome)
    return outcomes


def _anything_pending(evidence_dir: Path) -> bool:
    if not evidence_dir.is_dir():
        return False
    globs = (_PLAN_GLOB, _PLAN_TEMP_GLOB)
    return any(next(evidence_dir.glob(pattern), None) is not None for pattern in globs)


def _plan_bytes(pending: PendingRecord) -> bytes:
    document = {"format": PLAN_FORMAT, "at": iso_utc(pending.at), **pending.to_fields()}
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()


def _clock(moment: datetime) -> Callable[[], datetime]:
    """The sealing clock of a planned record: its decision time, whenever it is completed."""
    return lambda: moment


def _remove_plan(path: Path) -> None:
    """Remove a completed record's plan file. If that fails the record is whole anyway; the
    next run finds it complete and tries again."""
    try:
        path.unlink()
        files.fsync_directory(path.parent)
    except OSError as exc:
        log.warning("%s: cannot remove: %s", path, exc.strerror or exc)


def _records_lock(evidence_dir: Path) -> contextlib.AbstractContextManager[None]:
    return files.exclusive_lock(evidence_dir / RECORDS_LOCK_NAME, what="its records")


__all__ = [
    "PLAN_FORMAT",
    "complete_pending",
    "pending_records",
    "read_plan",
    "write_decision_record",
]
