"""The session journal: an append-only JSONL log of one review, and the state it replays into.

Every line is one JSON object with `seq`, `kind` and `at`. The first line (`kind: session`)
names the checklist by resolved path and sha256, which is how a later `gonogo review` of
the same checklist finds the session to resume. Each append is written, flushed and
fsync'd before it returns, so a kill -9 loses nothing the screen showed. `load_journal`
drops a torn last line (a crash mid-write) and refuses a journal damaged anywhere else.
Finalizing writes a `finalizing` line (every file of the record) before the record and a
`finalized` line after it, so a crash in between can be completed (`core/records/finalize.py`).
"""

from __future__ import annotations

import enum
import fcntl
import json
import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from gonogo_tui.core import files
from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.clock import iso_utc, parse_iso
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import Tick, Waiver
from gonogo_tui.core.probes.base import ProbeResult
from gonogo_tui.core.records.model import Note
from gonogo_tui.core.records.plan import RecordPlan

log = logging.getLogger(__name__)

JOURNAL_FORMAT = "gonogo-journal/1"
"""The `format` of a journal's first line."""
JOURNAL_GLOB = "journal_*.jsonl"
"""File names of journals inside the evidence folder."""


class EntryKind(enum.StrEnum):
    """What one journal line records."""

    SESSION = "session"
    """First line: which checklist, who, when."""
    RESUMED = "resumed"
    """The session was reopened (after a quit or a crash)."""
    RESULT = "result"
    TICK = "tick"
    UNTICK = "untick"
    WAIVER = "waiver"
    UNWAIVE = "unwaive"
    NOTE = "note"
    FINALIZING = "finalizing"
    """A decision record is about to be written: its every file, for completing it after
    a crash."""
    FINALIZED = "finalized"
    """A decision record was written; the session is closed for resuming."""


@dataclass(frozen=True)
class SessionInfo:
    """The journal's first line: the session's identity."""

    session_id: str
    checklist_path: str
    """Resolved path of the checklist file."""
    checklist_sha256: str
    checklist_title: str
    operator: str
    release: str | None
    started_at: datetime

    def matches(self, checklist: Checklist) -> bool:
        """Whether this session reviewed this exact checklist file (same path, same bytes)."""
        return (
            checklist.path is not None
            and self.checklist_path == str(checklist.path.resolve())
            and self.checklist_sha256 == checklist.sha256
        )


@dataclass(frozen=True)
class Finalized:
    """The decision record that closed a session."""

    record_id: str
    decision: str
    """GO or NO-GO, as recorded."""
    display_decision: str
    """GO, NO-GO or OVERRIDE."""
    paths: tuple[str, ...]
    operator: str
    at: datetime


@dataclass(frozen=True)
class PendingRecord:
    """A decision record whose writing started (the `finalizing` line) and did not finish."""

    plan: RecordPlan
    decision: str
    display_decision: str
    operator: str
    at: datetime
    """When it was decided."""

    def to_fields(self) -> dict[str, Any]:
        """The record as the journal's `finalizing` line and a plan file keep it (its
        decision time goes beside, as `at`)."""
        return {
            "record_id": self.plan.stem,
            "decision": self.decision,
            "display_decision": self.display_decision,
            "operator": self.operator,
            "plan": self.plan.to_dict(),
        }

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any], at: datetime) -> PendingRecord:
        """Read back what `to_fields` wrote.

        Raises:
            KeyError, ValueError, TypeError: not a pending record.
        """
        return cls(
            plan=RecordPlan.from_dict(fields["plan"]),
            decision=str(fields["decision"]),
            display_decision=str(fields["display_decision"]),
            operator=str(fields["operator"]),
            at=at,
        )


@dataclass
class SessionState:
    """What a journal replays into: the review as it stood after its last line."""

    results: dict[str, ProbeResult] = field(default_factory=dict)
    """The latest result of each probed criterion."""
    runs: dict[str, list[ProbeResult]] = field(default_factory=dict)
    """Every result of each criterion in this session, oldest first."""
    ticks: dict[str, Tick] = field(default_factory=dict)
    waivers: dict[str, Waiver] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    pending: PendingRecord | None = None
    """A record whose writing a crash interrupted, until its `finalized` line."""
    finalized: Finalized | None = None

    def apply(self, entry: Mapping[str, Any]) -> None:
        """Apply one journal line.

        Raises:
            KeyError, ValueError, TypeError: the line is malformed.
        """
        kind = EntryKind(entry["kind"])
        at = parse_iso(str(entry["at"]))
        if kind is EntryKind.RESULT:
            self.add_result(ProbeResult.from_dict(entry["result"]))
        elif kind is EntryKind.TICK:
            cid = str(entry["criterion_id"])
            self.ticks[cid] = Tick(cid, str(entry["operator"]), at, str(entry.get("note", "")))
        elif kind is EntryKind.UNTICK:
            self.ticks.pop(str(entry["criterion_id"]), None)
        elif kind is EntryKind.WAIVER:
            cid = str(entry["criterion_id"])
            self.waivers[cid] = Waiver(cid, str(entry["operator"]), at, str(entry["reason"]))
        elif kind is EntryKind.UNWAIVE:
            self.waivers.pop(str(entry["criterion_id"]), None)
        elif kind is EntryKind.NOTE:
            about = entry.get("criterion_id")
            self.notes.append(
                Note(
                    str(entry["text"]),
                    str(entry["operator"]),
                    at,
                    None if about is None else str(about),
                )
            )
        elif kind is EntryKind.FINALIZING:
            self.pending = PendingRecord.from_fields(entry, at)
        elif kind is EntryKind.FINALIZED:
            self.pending = None
            self.finalized = Finalized(
                record_id=str(entry["record_id"]),
                decision=str(entry["decision"]),
                display_decision=str(entry["display_decision"]),
                paths=tuple(str(p) for p in entry.get("paths", ())),
                operator=str(entry["operator"]),
                at=at,
            )

    def add_result(self, result: ProbeResult) -> None:
        """Make `result` its criterion's latest and add it to the criterion's runs."""
        self.results[result.criterion_id] = result
        self.runs.setdefault(result.criterion_id, []).append(result)

    _finished: dict[str, tuple[ProbeResult, float]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """Each latest result's end as a timestamp, kept with the result it was computed for."""

    def stale_ids(self, now: datetime, stale_after: float) -> set[str]:
        """Criteria whose latest result is older than `stale_after` seconds."""
        # `result_age` for each result, with the results' ends remembered: the review asks
        # on every result that arrives, and a thousand datetime conversions add up.
        now_ts = now.timestamp()
        finished = self._finished
        stale = set()
        for cid, result in self.results.items():
            known = finished.get(cid)
            if known is None or known[0] is not result:
                known = finished[cid] = (result, _finished_at(result))
            if max(0.0, now_ts - known[1]) > stale_after:
                stale.add(cid)
        return stale


def _finished_at(result: ProbeResult) -> float:
    return result.started_at.timestamp() + result.duration_ms / 1000


def result_age(result: ProbeResult, now: datetime) -> float:
    """Seconds since the result was measured (from the end of the probe run)."""
    return max(0.0, now.timestamp() - _finished_at(result))


@dataclass(frozen=True)
class LoadedJournal:
    """A journal read from disk."""

    path: Path
    info: SessionInfo
    state: SessionState
    good_bytes: int
    """Length of the intact prefix; a torn last line starts here."""
    torn: bool
    """Whether a torn last line was dropped."""
    entries: int


def load_journal(path: Path) -> LoadedJournal:
    """Read and replay a journal, dropping a torn last line.

    Raises:
        EvidenceError: unreadable, not a journal, or damaged before its last line.
    """
    try:
        raw = files.read_file(path)
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    chunks = raw.split(b"\n")
    tail = chunks.pop()
    offset = 0
    lines: list[tuple[int, dict[str, Any]]] = []
    for number, chunk in enumerate(chunks, start=1):
        offset += len(chunk) + 1
        if not chunk.strip():
            continue
        lines.append((number, _decode(chunk, path, number)))
    torn = False
    if tail.strip():
        # A line is written with its newline in one call, so a crash can cut it anywhere;
        # a complete JSON object that only lost its newline is kept.
        try:
            lines.append((len(chunks) + 1, _decode(tail, path, len(chunks) + 1)))
            offset += len(tail)
        except EvidenceError:
            torn = True
    if not lines:
        raise EvidenceError(f"{path}: empty journal")
    info = _session_info(lines[0][1], path)
    state = SessionState()
    for number, entry in lines[1:]:
        try:
            state.apply(entry)
        except (KeyError, ValueError, TypeError) as exc:
            raise EvidenceError(f"{path}:{number}: damaged journal entry ({exc})") from None
    return LoadedJournal(path, info, state, offset, torn, len(lines))


def _decode(chunk: bytes, path: Path, number: int) -> dict[str, Any]:
    try:
        entry = json.loads(chunk)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise EvidenceError(f"{path}:{number}: damaged journal line") from None
    if not isinstance(entry, dict):
        raise EvidenceError(f"{path}:{number}: a journal line must be a JSON object")
    return entry


def _session_info(entry: Mapping[str, Any], path: Path) -> SessionInfo:
    if entry.get("kind") != EntryKind.SESSION or entry.get("format") != JOURNAL_FORMAT:
        raise EvidenceError(f"{path}:1: not a gonogo journal")
    try:
        release = entry.get("release")
        return SessionInfo(
            session_id=str(entry["session_id"]),
            checklist_path=str(entry["checklist_path"]),
            checklist_sha256=str(entry["checklist_sha256"]),
            checklist_title=str(entry.get("checklist_title", "")),
            operator=str(entry["operator"]),
            release=None if release is None else str(release),
            started_at=parse_iso(str(entry["at"])),
        )
    except (KeyError, ValueError) as exc:
        raise EvidenceError(f"{path}:1: damaged session line ({exc})") from None


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


class Journal:
    """An open journal: appends entries durably and keeps the replayed state.

    Use `Journal.create` for a new session and `Journal.resume` to continue one. Every
    method that records something writes the line first and changes `state` only once
    the line is on disk; a failed write raises `EvidenceError` and changes nothing.
    """

    def __init__(self, path: Path, info: SessionInfo, state: SessionState, seq: int) -> None:
        self.path = path
        self.info = info
        self.state = state
        self._seq = seq
        self._handle: IO[bytes] | None = None

    @property
    def entries(self) -> int:
        """Lines written so far (the session line included); grows with every append."""
        return self._seq

    @classmethod
    def create(
        cls,
        evidence_dir: Path,
        checklist: Checklist,
        *,
        operator: str,
        release: str | None,
        now: Callable[[], datetime],
    ) -> Journal:
        """Start a new session journal in `evidence_dir`.

        Raises:
            EvidenceError: the folder or file cannot be created.
        """
        started_at = now()
        stem = _slug(checklist.path.stem if checklist.path else checklist.title)
        stamp = started_at.astimezone(UTC).strftime("%Y%m%d_%H%M%S")
        files.refuse_link(evidence_dir)
        try:
            evidence_dir.mkdir(parents=True, exist_ok=True)
            handle, path = _exclusive_open(evidence_dir, f"journal_{stamp}_{stem}")
            _lock(handle, path)
        except OSError as exc:
            raise EvidenceError(f"{evidence_dir}: cannot create a journal: {exc}") from None
        info = SessionInfo(
            session_id=path.stem,
            checklist_path=str(checklist.path.resolve()) if checklist.path else "",
            checklist_sha256=checklist.sha256,
            checklist_title=checklist.title,
            operator=operator,
            release=release,
            started_at=started_at,
        )
        journal = cls(path, info, SessionState(), 0)
        journal._handle = handle
        journal._write(
            {
                "kind": EntryKind.SESSION.value,
                "format": JOURNAL_FORMAT,
                "session_id": info.session_id,
                "checklist_path": info.checklist_path,
                "checklist_sha256": info.checklist_sha256,
                "checklist_title": info.checklist_title,
                "operator": operator,
                "release": release,
                "at": iso_utc(started_at),
            }
        )
        _fsync_dir(evidence_dir)
        return journal

    @classmethod
    def resume(cls, path: Path, *, operator: str, now: Callable[[], datetime]) -> Journal:
        """Reopen a journal for appending, cutting off a torn last line.

        Raises:
            EvidenceError: the journal cannot be read or written.
        """
        loaded = load_journal(path)
        try:
            handle = files.open_binary(path, os.O_RDWR)  # kept open for the session
            _lock(handle, path)  # before anything is cut off another review's journal
            handle.truncate(loaded.good_bytes)
            handle.seek(loaded.good_bytes - 1)
            if handle.read(1) != b"\n":
                handle.write(b"\n")
            handle.seek(0, os.SEEK_END)
        except OSError as exc:
            raise EvidenceError(f"{path}: cannot reopen: {exc.strerror or exc}") from None
        journal = cls(path, loaded.info, loaded.state, loaded.entries)
        journal._handle = handle
        journal._write(
            {"kind": EntryKind.RESUMED.value, "operator": operator, "at": iso_utc(now())}
        )
        return journal

    def record_result(self, result: ProbeResult) -> None:
        """Append a probe result."""
        self.record_results([result])

    def record_results(self, results: Sequence[ProbeResult]) -> None:
        """Append probe results that arrived together, in one write and one fsync: a
        thousand probes finishing within a second would otherwise wait for a thousand
        fsyncs. All of them are recorded, or none (`EvidenceError`)."""
        entries = [
            _entry(
                EntryKind.RESULT,
                result.started_at,
                result=result.to_dict(),
                criterion_id=result.criterion_id,
            )
            for result in results
        ]
        self._write_many(entries)
        for entry in entries:
            self.state.apply(entry)

    def tick(self, criterion_id: str, operator: str, at: datetime, note: str = "") -> Tick:
        """Append a tick of a manual criterion."""
        self._append(EntryKind.TICK, at, criterion_id=criterion_id, operator=operator, note=note)
        return self.state.ticks[criterion_id]

    def untick(self, criterion_id: str, operator: str, at: datetime) -> None:
        """Append the removal of a tick."""
        self._append(EntryKind.UNTICK, at, criterion_id=criterion_id, operator=operator)

    def waive(self, criterion_id: str, operator: str, at: datetime, reason: str) -> Waiver:
        """Append a waiver; the reason must not be empty.

        Raises:
            EvidenceError: no reason given.
        """
        if not reason.strip():
            raise EvidenceError("a waiver needs a reason")
        self._append(
            EntryKind.WAIVER, at, criterion_id=criterion_id, operator=operator, reason=reason
        )
        return self.state.waivers[criterion_id]

    def unwaive(self, criterion_id: str, operator: str, at: datetime) -> None:
        """Append the removal of a waiver."""
        self._append(EntryKind.UNWAIVE, at, criterion_id=criterion_id, operator=operator)

    def note(self, text: str, operator: str, at: datetime, criterion_id: str | None = None) -> Note:
        """Append a note, about one criterion or the whole meeting."""
        self._append(EntryKind.NOTE, at, text=text, operator=operator, criterion_id=criterion_id)
        return self.state.notes[-1]

    def finalizing(self, pending: PendingRecord) -> None:
        """Append the record about to be written, every file of it (before any is written)."""
        self._append(EntryKind.FINALIZING, pending.at, **pending.to_fields())

    def finalize(self, finalized: Finalized) -> None:
        """Append the written decision record; the session is no longer offered for resuming."""
        self._append(
            EntryKind.FINALIZED,
            finalized.at,
            record_id=finalized.record_id,
            decision=finalized.decision,
            display_decision=finalized.display_decision,
            paths=list(finalized.paths),
            operator=finalized.operator,
        )

    def close(self) -> None:
        """Close the file; later appends raise `EvidenceError`."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _append(self, kind: EntryKind, at: datetime, **fields: Any) -> None:
        entry = _entry(kind, at, **fields)
        self._write(entry)
        self.state.apply(entry)

    def _write(self, entry: dict[str, Any]) -> None:
        self._write_many([entry])

    def _write_many(self, entries: Sequence[dict[str, Any]]) -> None:
        if self._handle is None:
            raise EvidenceError(f"{self.path}: the journal is closed")
        if not entries:
            return
        lines = [
            json.dumps(
                {"seq": self._seq + number, **entry},
                ensure_ascii=False,
                sort_keys=True,
                separators=(",", ":"),
            )
            for number, entry in enumerate(entries, start=1)
        ]
        try:
            self._handle.write("".join(line + "\n" for line in lines).encode("utf-8"))
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as exc:
            raise EvidenceError(f"{self.path}: cannot write: {exc.strerror or exc}") from None
        self._seq += len(entries)


def _entry(kind: EntryKind, at: datetime, **fields: Any) -> dict[str, Any]:
    return {"kind": kind.value, "at": iso_utc(at), **fields}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")[:60] or "checklist"


def _lock(handle: IO[bytes], path: Path) -> None:
    """Hold the journal for this session (released on close, or by the kernel when the
    process dies, `kill -9` included): two reviews never append to one journal.

    Raises:
        EvidenceError: another running review holds it (the handle is closed).
    """
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise EvidenceError(
            f"{path}: another gonogo review has this session open (it is still running); "
            "follow it with `gonogo view`"
        ) from None
    except OSError:  # a file system without locks: carry on as before
        pass


def journal_in_use(path: Path) -> bool:
    """Whether a running review holds the journal at `path` (see `_lock`)."""
    try:
        with files.open_binary(path, os.O_RDONLY) as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def _exclusive_open(directory: Path, stem: str) -> tuple[IO[bytes], Path]:
    for attempt in range(1, 1000):
        path = directory / (f"{stem}.jsonl" if attempt == 1 else f"{stem}_{attempt}.jsonl")
        try:
            # O_EXCL: a link at the name, even a dangling one, is taken, never followed.
            flags = os.O_RDWR | os.O_CREAT | os.O_EXCL
            return files.open_binary(path, flags), path  # kept open for the session
        except FileExistsError:
            continue
    raise FileExistsError(f"no free journal name for {stem}")


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = [
    "JOURNAL_FORMAT",
    "JOURNAL_GLOB",
    "EntryKind",
    "Finalized",
    "Journal",
    "LoadedJournal",
    "PendingRecord",
    "ResumableSession",
    "SessionInfo",
    "SessionState",
    "find_changed",
    "find_resumable",
    "journals_newest_first",
    "load_journal",
    "result_age",
]
