"""What a session journal replays into: its entry kinds, the session's identity, and the
state of the review after the last line (results, ticks, waivers, notes, the record)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.clock import parse_iso
from gonogo_tui.core.evaluation import Tick, Waiver
from gonogo_tui.core.poll import Overrule, PollAnswer
from gonogo_tui.core.probes.base import ProbeResult
from gonogo_tui.core.records.model import Note
from gonogo_tui.core.records.plan import RecordPlan
from gonogo_tui.core.waiver_rules import waiver_from_dict

JOURNAL_FORMAT = "gonogo-journal/1"
"""The `format` of a journal's first line."""


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
    CARRIED = "carried"
    """The waivers carried from the ledger at the meeting's start, and those that lapsed."""
    NOTE = "note"
    FOCUS = "focus"
    """Another section became the one being discussed (its agenda time runs)."""
    RELEASE = "release"
    """The release the meeting decides on, typed at finalize (the checklist and flags gave none)."""
    POLL_ANSWER = "poll-answer"
    """An owner's answer in the poll (the latest for a section stands)."""
    POLL_OVERRULE = "poll-overrule"
    """The CTO overruling an owner's objection."""
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
    waiver_notes: dict[str, str] = field(default_factory=dict)
    """Why a waiver from the ledger was not carried (`waiver expired 2026-12-01`)."""
    carried: bool = False
    """Whether the ledger's waivers were looked at (a `carried` line): once per session."""
    notes: list[Note] = field(default_factory=list)
    release: str | None = None
    """The release typed at finalize (a `release` line), if any."""
    focus: list[tuple[str, datetime]] = field(default_factory=list)
    """Each section that became the focused one, and when (the agenda's clock)."""
    poll_answers: dict[str, PollAnswer] = field(default_factory=dict)
    """The latest poll answer of each section."""
    overrules: dict[str, Overrule] = field(default_factory=dict)
    """The CTO's overrules of objections, by section."""
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
            self.waivers[cid] = waiver_from_dict(cid, entry, at)
        elif kind is EntryKind.CARRIED:
            self.carried = True
            for item in entry.get("waivers") or ():
                cid = str(item["criterion_id"])
                self.waivers[cid] = waiver_from_dict(cid, item, at)
            self.waiver_notes.update({str(k): str(v) for k, v in entry["lapsed"].items()})
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
        elif kind is EntryKind.RELEASE:
            self.release = str(entry["release"]) or None
        elif kind is EntryKind.FOCUS:
            self.focus.append((str(entry["section_id"]), at))
        elif kind is EntryKind.POLL_ANSWER:
            answer = PollAnswer.from_fields(entry)
            self.poll_answers[answer.section_id] = answer
            # A new answer is a new voice: an overrule of the old objection does not carry.
            self.overrules.pop(answer.section_id, None)
        elif kind is EntryKind.POLL_OVERRULE:
            sid = str(entry["section_id"])
            self.overrules[sid] = Overrule(
                sid, str(entry["by"]), str(entry["reason"]), str(entry["operator"]), at
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


__all__ = [
    "JOURNAL_FORMAT",
    "EntryKind",
    "Finalized",
    "PendingRecord",
    "SessionInfo",
    "SessionState",
    "result_age",
]
