"""Following another process's session journal, read-only: what the served viewers show.

The operator's `gonogo review` is the only writer of its journal. A viewer opens the same
file as a `FollowedJournal`: a `Journal` with no file handle, so every append raises
`EvidenceError` and the viewer can never change the meeting. `poll()` re-reads the file when
it has grown and replaces the replayed state (journals are small: reading one again costs
less than a frame). A torn last line, the operator mid-write, is simply not shown yet.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.journal.discovery import journals_newest_first
from gonogo_tui.core.journal.file import Journal, load_journal

log = logging.getLogger(__name__)

READ_ONLY = "read-only view: only the operator's review changes the meeting"


class FollowedJournal(Journal):
    """A journal another process writes, reloaded by `poll()`; appends raise."""

    def __init__(self, path: Path) -> None:
        """Reads the journal once.

        Raises:
            EvidenceError: unreadable or not a journal.
        """
        loaded = load_journal(path)
        super().__init__(path, loaded.info, loaded.state, loaded.entries)
        self._size = loaded.good_bytes

    def poll(self) -> bool:
        """Re-reads the journal if it grew; True when the state changed.

        A journal that cannot be read right now keeps the last good state (and is logged).
        """
        try:
            size = self.path.stat().st_size
        except OSError as exc:
            log.warning("cannot stat %s: %s", self.path, exc)
            return False
        if size == self._size:
            return False
        try:
            loaded = load_journal(self.path)
        except EvidenceError as exc:
            log.warning("cannot follow %s: %s", self.path, exc)
            return False
        self._size = loaded.good_bytes
        if loaded.entries == self._seq:
            return False
        self.state = loaded.state
        self._seq = loaded.entries
        return True

    def focus(self, section_id: str, operator: str, at: datetime) -> bool:
        """Nothing: the operator's selection says which section is discussed, not a viewer's."""
        return False

    def _write_many(self, entries: Sequence[dict[str, Any]]) -> None:
        raise EvidenceError(READ_ONLY)


def find_session_journal(evidence_dir: Path, checklist: Checklist) -> Path | None:
    """The newest journal in `evidence_dir` of a session on this checklist file (finalized
    or not), or None. Journals that cannot be read are skipped."""
    for _mtime, path, loaded in journals_newest_first(evidence_dir):
        if loaded.info.matches(checklist):
            return path
    return None


__all__ = ["READ_ONLY", "FollowedJournal", "find_session_journal"]
