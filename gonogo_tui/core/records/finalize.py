"""Finalizing a review session crash-safely: a whole decision record, once, or none.

A record is several files (the `.json`, an override text, probe artifacts, the `.txt`, the
sealed statement and a ledger line) and no file system creates several files at once. So
finalizing is a write-ahead protocol on the session journal:

1. `plan_record` picks the free names and renders every file;
2. the journal gets a `finalizing` line holding that plan (written and fsync'd);
3. `write_plan` writes the files, each whole and never over another, then seals the record;
4. the journal gets its `finalized` line.

A kill -9 before step 2 leaves no file of the record and an unfinalized session. A kill
after it leaves a session with a pending record, which `complete_finalize` (run when the
session is reopened) finishes exactly as planned: same names, same bytes, sealed once.
`gonogo check --record` follows the same protocol with a plan file instead of a journal
(`core/records/pending.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.journal import Finalized, Journal, PendingRecord
from gonogo_tui.core.records.model import DecisionRecord, WrittenRecord
from gonogo_tui.core.records.plan import plan_record
from gonogo_tui.core.records.write import write_plan


@dataclass(frozen=True)
class FinalizeOutcome:
    """A decision record written whole, and the session closed."""

    finalized: Finalized
    paths: WrittenRecord
    completed: bool
    """Whether this finished a record that a crash had interrupted."""
    journal_error: str | None = None
    """Why the `finalized` line could not be written; the record is whole anyway and the
    session counts as finalized until the app exits."""


def finalize_session(
    journal: Journal,
    record: DecisionRecord,
    evidence_dir: Path,
    *,
    operator: str,
    now: Callable[[], datetime],
) -> FinalizeOutcome:
    """Write `record` for this session: plan it, journal the plan, write it, close the session.

    Raises:
        EvidenceError: the session is finalized already or has an interrupted record to
            complete first; or the record could not be planned, journaled or written. When
            the plan was journaled but writing failed, `complete_finalize` retries it.
    """
    state = journal.state
    if state.finalized is not None:
        raise EvidenceError(f"the session is finalized already: {state.finalized.record_id}")
    if state.pending is not None:
        raise EvidenceError(
            f"the interrupted record {state.pending.plan.stem} must be completed first"
        )
    plan = plan_record(record, evidence_dir)
    journal.finalizing(
        PendingRecord(
            plan=plan,
            decision=record.decision,
            display_decision=record.display_decision,
            operator=operator,
            at=record.decided_at,
        )
    )
    return _write_pending(journal, evidence_dir, now=now, completing=False)


def complete_finalize(
    journal: Journal, evidence_dir: Path, *, now: Callable[[], datetime]
) -> FinalizeOutcome | None:
    """Finish the record whose writing was interrupted, if the session has one.

    Raises:
        EvidenceError: a file cannot be written, a file of the record holds other bytes
            than planned (it is never replaced), or sealing failed.
    """
    if journal.state.pending is None:
        return None
    return _write_pending(journal, evidence_dir, now=now, completing=True)


def complete_interrupted(
    path: Path, *, operator: str, now: Callable[[], datetime], evidence_dir: Path
) -> FinalizeOutcome | None:
    """Reopen the journal at `path` only to finish its interrupted record (if any), then close it.

    Raises:
        EvidenceError: the journal cannot be reopened, or the record cannot be completed.
    """
    journal = Journal.resume(path, operator=operator, now=now)
    try:
        return complete_finalize(journal, evidence_dir, now=now)
    finally:
        journal.close()


def write_pending(
    pending: PendingRecord,
    evidence_dir: Path,
    *,
    now: Callable[[], datetime],
    completing: bool,
) -> FinalizeOutcome:
    """Write (with `completing`: finish) the planned record whose plan is on disk already,
    and seal it; the caller closes whatever announced the plan (a journal, a plan file).

    Raises:
        EvidenceError: see `write_plan`.
    """
    paths = write_plan(pending.plan, evidence_dir, now=now, completing=completing)
    written = tuple(p for p in (paths.txt, paths.json, paths.override) if p is not None)
    finalized = Finalized(
        record_id=pending.plan.stem,
        decision=pending.decision,
        display_decision=pending.display_decision,
        paths=tuple(str(p) for p in written),
        operator=pending.operator,
        at=pending.at,
    )
    return FinalizeOutcome(finalized, paths, completing)


def _write_pending(
    journal: Journal, evidence_dir: Path, *, now: Callable[[], datetime], completing: bool
) -> FinalizeOutcome:
    pending = journal.state.pending
    if pending is None:
        raise EvidenceError("no decision record is being written")
    outcome = write_pending(pending, evidence_dir, now=now, completing=completing)
    try:
        journal.finalize(outcome.finalized)
    except EvidenceError as exc:
        journal.state.pending = None
        journal.state.finalized = outcome.finalized
        return replace(outcome, journal_error=str(exc))
    return outcome


__all__ = [
    "FinalizeOutcome",
    "complete_finalize",
    "complete_interrupted",
    "finalize_session",
    "write_pending",
]
