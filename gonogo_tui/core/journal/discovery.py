"""Finding journals in an evidence folder: the session to resume, or one whose checklist
changed since."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.journal.file import LoadedJournal, journal_in_use, load_journal
from gonogo_tui.core.journal.state import SessionInfo, SessionState

log = logging.getLogger(__name__)

JOURNAL_GLOB = "journal_*.jsonl"
"""File names of journals inside the evidence folder."""


@dataclass(frozen=True)
class ResumableSession:
    """An unfinished session of the same checklist, offered for resuming."""

    path: Path
    info: SessionInfo
    state: SessionState
    last_at: datetime
    """When its journal was last written."""

    def summary(self) -> str:
        """One line for the resume question."""
        state = self.state
        parts = [
            _counted(len(state.results), "result"),
            _counted(len(state.ticks), "tick"),
            _counted(len(state.waivers), "waiver"),
            _counted(len(state.notes), "note"),
        ]
        if state.poll_answers:  # only a meeting that polled says so: older lines unchanged
            parts.append(_counted(len(state.poll_answers), "poll answer"))
        if state.pending is not None:
            parts.append(
                f"finalizing was interrupted: its {state.pending.display_decision} record "
                f"{state.pending.plan.stem} will be completed"
            )
        return (
            f"started {self.info.started_at:%Y-%m-%d %H:%M} UTC by {self.info.operator}; "
            + ", ".join(parts)
        )


def _counted(count: int, noun: str) -> str:
    """`1 tick`, `2 ticks`, `0 ticks`."""
    return f"{count} {noun}{'s' * (count != 1)}"


def journals_newest_first(evidence_dir: Path) -> Iterator[tuple[float, Path, LoadedJournal]]:
    """Every readable journal in `evidence_dir`, newest first, with its mtime.

    Journals that cannot be read are skipped (and logged): they are evidence, never deleted.
    """
    if not evidence_dir.is_dir():
        return
    candidates = []
    for path in evidence_dir.glob(JOURNAL_GLOB):
        try:
            candidates.append((path.lstat().st_mtime, path))
        except OSError:
            continue
    for mtime, path in sorted(candidates, reverse=True):
        try:
            loaded = load_journal(path)
        except EvidenceError as exc:
            log.warning("skipping journal: %s", exc)
            continue
        yield mtime, path, loaded


def find_resumable(evidence_dir: Path, checklist: Checklist) -> ResumableSession | None:
    """The newest unfinalized journal in `evidence_dir` for this checklist file, if any;
    a journal another running review has open (`journal_in_use`) is not offered."""
    for mtime, path, loaded in journals_newest_first(evidence_dir):
        if journal_in_use(path):
            continue
        if loaded.state.finalized is None and loaded.info.matches(checklist):
            last_at = datetime.fromtimestamp(mtime, tz=UTC)
            return ResumableSession(path, loaded.info, loaded.state, last_at)
    return None


def find_changed(evidence_dir: Path, checklist: Checklist) -> ResumableSession | None:
    """The newest session of this checklist's path if it is unfinalized and reviewed other
    bytes: the file changed since, so it cannot be resumed, yet what it holds (ticks,
    waivers, notes) is the operator's and must not look lost."""
    if checklist.path is None:
        return None
    checklist_path = str(checklist.path.resolve())
    for mtime, path, loaded in journals_newest_first(evidence_dir):
        if loaded.info.checklist_path != checklist_path:
            continue
        if journal_in_use(path):  # a review of it runs: that one answers for the path
            return None
        if loaded.state.finalized is None and loaded.info.checklist_sha256 != checklist.sha256:
            last_at = datetime.fromtimestamp(mtime, tz=UTC)
            return ResumableSession(path, loaded.info, loaded.state, last_at)
        return None
    return None


__all__ = [
    "JOURNAL_GLOB",
    "ResumableSession",
    "find_changed",
    "find_resumable",
    "journals_newest_first",
]
