"""A journal file: reading and replaying one (`load_journal`), and an open `Journal` that
appends each entry durably (written, flushed and fsync'd before it returns)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from gonogo_tui.core import files
from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.clock import file_stamp, iso_utc, parse_iso
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import Tick, Waiver
from gonogo_tui.core.journal.state import (
    JOURNAL_FORMAT,
    EntryKind,
    Finalized,
    PendingRecord,
    SessionInfo,
    SessionState,
)
from gonogo_tui.core.poll import Overrule, PollAnswer, answer_refusal, overrule_refusal
from gonogo_tui.core.probes.base import ProbeResult
from gonogo_tui.core.records.model import Note
from gonogo_tui.core.waiver_rules import waiver_to_dict


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
        stamp = file_stamp(started_at)
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
        # Best effort, as before: the journal's own line is fsync'd already.
        with contextlib.suppress(OSError):
            files.fsync_directory(evidence_dir)
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

    def waive(
        self, criterion_id: str, operator: str, at: datetime, reason: str, **grant: Any
    ) -> Waiver:
        """Append a waiver; the reason must not be empty. `grant`: who granted it, in which
        role, until when (the fields of `Waiver`: approver, role, until, releases, ...).

        Raises:
            EvidenceError: no reason given.
        """
        if not reason.strip():
            raise EvidenceError("a waiver needs a reason")
        waiver = Waiver(criterion_id, operator, at, reason, **grant)
        fields = waiver_to_dict(waiver)
        del fields["at"]
        self._append(EntryKind.WAIVER, at, criterion_id=criterion_id, **fields)
        return self.state.waivers[criterion_id]

    def carry(self, waivers: Sequence[Waiver], lapsed: Mapping[str, str], at: datetime) -> None:
        """Append the waivers carried from the ledger and why others lapsed (once)."""
        items = [{"criterion_id": w.criterion_id, **waiver_to_dict(w)} for w in waivers]
        self._append(EntryKind.CARRIED, at, waivers=items, lapsed=dict(lapsed))

    def unwaive(self, criterion_id: str, operator: str, at: datetime) -> None:
        """Append the removal of a waiver."""
        self._append(EntryKind.UNWAIVE, at, criterion_id=criterion_id, operator=operator)

    def note(self, text: str, operator: str, at: datetime, criterion_id: str | None = None) -> Note:
        """Append a note, about one criterion or the whole meeting."""
        self._append(EntryKind.NOTE, at, text=text, operator=operator, criterion_id=criterion_id)
        return self.state.notes[-1]

    def set_release(self, release: str, operator: str, at: datetime) -> None:
        """Append the release the meeting decides on (typed at finalize)."""
        self._append(EntryKind.RELEASE, at, release=release, operator=operator)

    def focus(self, section_id: str, operator: str, at: datetime) -> bool:
        """Append that this section is now the one being discussed (see `core/agenda.py`).

        Returns:
            Whether a line was written (none when the section already was the focused one).
        """
        focus = self.state.focus
        if focus and focus[-1][0] == section_id:
            return False
        self._append(EntryKind.FOCUS, at, section_id=section_id, operator=operator)
        return True

    def poll_answer(self, answer: PollAnswer) -> None:
        """Append an owner's answer in the poll.

        Raises:
            EvidenceError: the answer is refused (a NO-GO without a reason).
        """
        refusal = answer_refusal(answer.answer, answer.reason)
        if refusal is not None:
            raise EvidenceError(refusal)
        self._append(EntryKind.POLL_ANSWER, answer.at, **answer.to_fields())

    def poll_overrule(self, overrule: Overrule) -> None:
        """Append the CTO's overrule of an objection.

        Raises:
            EvidenceError: no name or no reason.
        """
        refusal = overrule_refusal(overrule.by, overrule.reason)
        if refusal is not None:
            raise EvidenceError(refusal)
        self._append(
            EntryKind.POLL_OVERRULE,
            overrule.at,
            section_id=overrule.section_id,
            by=overrule.by,
            reason=overrule.reason,
            operator=overrule.operator,
        )

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


__all__ = ["Journal", "LoadedJournal", "journal_in_use", "load_journal"]
