"""The session journal: an append-only JSONL log of one review, and the state it replays into.

Every line is one JSON object with `seq`, `kind` and `at`. The first line (`kind: session`)
names the checklist by resolved path and sha256, which is how a later `gonogo review` of
the same checklist finds the session to resume. Each append is written, flushed and
fsync'd before it returns, so a kill -9 loses nothing the screen showed. `load_journal`
drops a torn last line (a crash mid-write) and refuses a journal damaged anywhere else.
Finalizing writes a `finalizing` line (every file of the record) before the record and a
`finalized` line after it, so a crash in between can be completed (`core/records/finalize.py`).

The package by concern: `state` (entry kinds, what a journal replays into), `file` (reading
one, and the open `Journal` that appends), `discovery` (the session to resume) and `follow`
(a viewer's read-only copy of another process's journal).
"""

from __future__ import annotations

from gonogo_tui.core.journal.discovery import (
    JOURNAL_GLOB,
    ResumableSession,
    find_changed,
    find_resumable,
    journals_newest_first,
)
from gonogo_tui.core.journal.file import Journal, LoadedJournal, journal_in_use, load_journal
from gonogo_tui.core.journal.follow import READ_ONLY, FollowedJournal, find_session_journal
from gonogo_tui.core.journal.state import (
    JOURNAL_FORMAT,
    EntryKind,
    Finalized,
    PendingRecord,
    SessionInfo,
    SessionState,
    result_age,
)

__all__ = [
    "JOURNAL_FORMAT",
    "JOURNAL_GLOB",
    "READ_ONLY",
    "EntryKind",
    "Finalized",
    "FollowedJournal",
    "Journal",
    "LoadedJournal",
    "PendingRecord",
    "ResumableSession",
    "SessionInfo",
    "SessionState",
    "find_changed",
    "find_resumable",
    "find_session_journal",
    "journal_in_use",
    "journals_newest_first",
    "load_journal",
    "result_age",
]
