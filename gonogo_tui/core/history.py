"""The history of an evidence folder's decisions (`gonogo history`): read from its ledger.

The ledger (`ledger.jsonl`, checked as a chain) says which records were sealed and in which
order; each entry's `<record>.json` says the rest: release, decision, sections GO, the
approvers named in the meeting, waivers, criteria that erred, when the meeting began. A
signature counts as present when its `.json.sig` lies beside the record: `gonogo verify`
is what checks it. The folder is listed once, so 10,000 records cost 10,000 file reads
and nothing more (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import os
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from gonogo_tui.core import files
from gonogo_tui.core.clock import iso_utc, parse_utc
from gonogo_tui.core.history_index import HistoryError, sealed_summaries
from gonogo_tui.core.records.layout import APPROVAL_MARKER, approval_name

_SIG_SUFFIX = ".json.sig"


# The three classes read per decision are NamedTuples, immutable as a frozen dataclass but
# built five times faster: 10,000 decisions' worth was a tenth of a second (docs/benchmarks.md).
class Approver(NamedTuple):
    """A person named in the meeting's votes, and whether a signature of theirs is there."""

    role: str
    principal: str
    vote: str
    signed: bool


class Waived(NamedTuple):
    """A criterion waived in one decision."""

    criterion: str
    by: str
    reason: str


class PastDecision(NamedTuple):
    """One sealed decision.

    Its times are kept as the record's ISO 8601 texts (`iso_utc`, as the index holds
    them) and parsed only when asked: `gonogo history --json` writes 10,000 of them as they
    are, where parsing and formatting them cost a third of a second.
    """

    seq: int
    record_id: str
    decided_iso: str
    """When the decision was taken, `2026-11-26T10:15:00.000Z`."""
    release: str | None
    decision: str
    """GO, NO-GO or OVERRIDE."""
    sections_go: int
    sections_total: int
    approvers: tuple[Approver, ...]
    other_signatures: tuple[str, ...]
    """`role principal` of signatures beside the record by people the meeting did not name
    (the principal as spelled in the file name)."""
    started_iso: str | None
    """When the meeting began (records written before it was kept have none)."""
    seconds_to_decision: float | None
    """From the meeting's start to the decision."""
    waived: tuple[Waived, ...]
    erred: tuple[str, ...]
    """Criteria whose probe was ERROR, waived or not."""

    @property
    def decided_at(self) -> datetime:
        """When the decision was taken."""
        return parse_utc(self.decided_iso)

    @property
    def started_at(self) -> datetime | None:
        """When the meeting began, if the record says."""
        return parse_utc(self.started_iso) if self.started_iso else None


@dataclass(frozen=True, slots=True)
class WaiverAge:
    """A criterion that was waived, and for how long in a row up to the latest release."""

    criterion: str
    releases_in_a_row: int
    """Releases, counting back from the latest, whose last decision waived it (0: the
    latest did not)."""
    since: str
    """The release (or record id) the run in a row began with; empty when not current."""
    times: int
    """Decisions that waived it."""
    last_record: str
    last_by: str
    last_reason: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (`gonogo history --json`)."""
        return {
            "criterion": self.criterion,
            "releases_in_a_row": self.releases_in_a_row,
            "since": self.since or None,
            "times": self.times,
            "last": {"record_id": self.last_record, "by": self.last_by, "reason": self.last_reason},
        }


@dataclass(frozen=True, slots=True)
class Unsteady:
    """A criterion that erred or was waived: a candidate for a flaky probe."""

    criterion: str
    errors: int
    waivers: int


@dataclass(frozen=True, slots=True)
class History:
    """What `gonogo history` shows."""

    directory: Path
    decisions: tuple[PastDecision, ...]
    """Oldest first (ledger order)."""
    waivers: tuple[WaiverAge, ...] = ()
    unsteady: tuple[Unsteady, ...] = ()
    skipped: int = 0
    """Sealed decisions before `--since`."""
    times: tuple[float, ...] = field(default=())
    """Seconds from start to decision, of the decisions that know their start."""

    @property
    def median_seconds(self) -> float | None:
        """The median time from the meeting's start to its decision."""
        return statistics.median(self.times) if self.times else None


def read_history(
    directory: Path, *, since: datetime | None = None, cache_dir: Path | None = None
) -> History:
    """Read every sealed decision of `directory`, from its ledger.

    Args:
        directory: The evidence folder.
        since: Leave out decisions taken before this.
        cache_dir: Where the history index may be kept (`history_index.py`); None reads
            every record.

    Raises:
        HistoryError: the folder is missing, its ledger is broken, or a sealed record's
            JSON is missing or malformed (one line naming the file).
    """
    if not directory.is_dir():
        raise HistoryError(f"{directory}: no such folder")
    summaries = sealed_summaries(directory, cache_dir, read_summary)
    signatures = _signatures(directory)
    decisions, skipped = [], 0
    nothing: set[str] = set()
    for seq, (record_id, summary) in enumerate(summaries, start=1):
        if since is not None and parse_utc(summary["decided_at"]) < since:
            skipped += 1
            continue
        decisions.append(_from_summary(seq, record_id, summary, signatures.get(record_id, nothing)))
    return summarize(directory, decisions, skipped=skipped)


def summarize(directory: Path, decisions: list[PastDecision], *, skipped: int = 0) -> History:
    """Waiver ages, unsteady criteria and times to decision of `decisions` (oldest first)."""
    times = tuple(t for d in decisions if (t := d.seconds_to_decision) is not None)
    return History(
        directory=directory,
        decisions=tuple(decisions),
        waivers=tuple(_waiver_ages(decisions)),
        unsteady=tuple(_unsteady(decisions)),
        skipped=skipped,
        times=times,
    )


def _signatures(directory: Path) -> dict[str, set[str]]:
    """Record id -> names of the approval signatures beside it, from one folder listing."""
    found: dict[str, set[str]] = {}
    for name in os.listdir(directory):  # names only: no DirEntry for 40,000 files
        if name.endswith(_SIG_SUFFIX) and APPROVAL_MARKER in name:
            stem = name.split(APPROVAL_MARKER, 1)[0]
            found.setdefault(stem, set()).add(name)
    return found


def read_summary(directory: Path, seq: int, record_id: str) -> dict[str, Any]:
    """What the history needs of one sealed record's JSON (JSON-ready, for the index).

    Raises:
        HistoryError: the record's JSON is missing, unreadable or malformed.
    """
    path = directory / f"{record_id}.json"
    try:
        data = json.loads(files.read_file(path))  # never through a link, never a FIFO
    except FileNotFoundError:
        raise HistoryError(f"{path}: missing (sealed in ledger entry {seq})") from None
    except OSError as exc:
        raise HistoryError(f"{path}: cannot read ({exc.strerror})") from None
    except ValueError as exc:
        raise HistoryError(f"{path}: not valid JSON ({exc})") from None
    try:
        return _summary(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise HistoryError(f"{path}: malformed decision record ({exc!r})") from None


def _summary(data: dict[str, Any]) -> dict[str, Any]:
    waived, erred = [], []
    for section in data["sections"]:
        for criterion in section.get("criteria") or []:
            status = criterion.get("status")
            if status == "WAIVED":
                waiver = criterion.get("waiver") or {}
                by, reason = (
                    waiver.get("approver") or waiver.get("operator", ""),
                    waiver.get("reason", ""),
                )
                waived.append([str(criterion["id"]), str(by), str(reason)])
            if status == "ERROR" or criterion.get("waived_status") == "ERROR":
                erred.append(str(criterion["id"]))
    decided = parse_utc(str(data["decided_at"]))  # refused here, not when shown
    started = data.get("started_at")
    began = None if started is None else parse_utc(str(started))
    release = data.get("release")
    return {
        "decided_at": iso_utc(decided),
        "release": None if release is None else str(release),
        "decision": str(data.get("display_decision") or data["decision"]),
        "sections_go": int(data["sections_go"]),
        "sections_total": int(data["sections_total"]),
        "approvals": _approvals(data),
        "started_at": None if began is None else iso_utc(began),
        "seconds_to_decision": None if began is None else (decided - began).total_seconds(),
        "waived": waived,
        "erred": erred,
    }


def _approvals(data: dict[str, Any]) -> list[list[str]]:
    """Who the record's `Approver:` line names, as `[role, principal, vote]`: the votes of the
    meeting, an override's approvers, else (a plain GO nobody voted on) the operator, whom
    the `.txt` names as its approver."""
    found = [
        [str(a["role"]), str(a["principal"]), str(a.get("vote", "approve"))]
        for a in [
            *(data.get("approvals") or []),
            *((data.get("override") or {}).get("approvers") or []),
        ]
    ]
    if not found and data["decision"] == "GO" and data.get("operator"):
        found = [["operator", str(data["operator"]), "approve"]]
    return found


def _from_summary(
    seq: int, record_id: str, summary: Mapping[str, Any], signed: set[str]
) -> PastDecision:
    others: tuple[str, ...] = ()
    if signed:
        approvers, named = [], set()
        for role, principal, vote in summary["approvals"]:
            name = approval_name(record_id, role, principal) + ".sig"
            named.add(name)
            approvers.append(Approver(role, principal, vote, name in signed))
        prefix = f"{record_id}{APPROVAL_MARKER}"
        others = tuple(
            " ".join(name[len(prefix) : -len(_SIG_SUFFIX)].split(".", 1))
            for name in sorted(signed - named)
        )
    else:  # nothing signed beside it: no file name to work out
        approvers = [
            Approver(role, principal, vote, False) for role, principal, vote in summary["approvals"]
        ]
    # Positional: a NamedTuple built with keywords costs twice as much, 10,000 times.
    return PastDecision(
        seq,
        record_id,
        summary["decided_at"],
        summary["release"],
        summary["decision"],
        summary["sections_go"],
        summary["sections_total"],
        tuple(approvers),
        others,
        summary["started_at"],
        summary["seconds_to_decision"],
        tuple(Waived(c, by, reason) for c, by, reason in summary["waived"]),
        tuple(summary["erred"]),
    )


def _releases(decisions: Iterable[PastDecision]) -> list[PastDecision]:
    """The last decision of each release, in the order releases were last decided."""
    last: dict[str, PastDecision] = {}
    for decision in decisions:
        key = decision.release if decision.release is not None else f"#{decision.record_id}"
        last.pop(key, None)
        last[key] = decision
    return list(last.values())


def _waiver_ages(decisions: list[PastDecision]) -> list[WaiverAge]:
    """Every criterion ever waived: how many releases in a row up to the latest waived it
    (the current waivers first, longest run first), then how often."""
    times: Counter[str] = Counter()
    last: dict[str, tuple[str, Waived]] = {}
    for decision in decisions:
        for waived in decision.waived:
            times[waived.criterion] += 1
            last[waived.criterion] = (decision.record_id, waived)
    releases = _releases(decisions)
    ages = []
    for criterion in times:
        run, since = 0, ""
        for decision in reversed(releases):
            if not any(w.criterion == criterion for w in decision.waived):
                break
            run += 1
            since = decision.release or decision.record_id
        record_id, waived = last[criterion]
        ages.append(
            WaiverAge(criterion, run, since, times[criterion], record_id, waived.by, waived.reason)
        )
    return sorted(ages, key=lambda a: (-a.releases_in_a_row, -a.times, a.criterion))


def _unsteady(decisions: list[PastDecision]) -> list[Unsteady]:
    """Criteria that erred or were waived, most often first."""
    errors: Counter[str] = Counter()
    waivers: Counter[str] = Counter()
    for decision in decisions:
        for criterion in decision.erred:
            errors[criterion] += 1
        for waived in decision.waived:
            waivers[waived.criterion] += 1
    ranked = sorted(set(errors) | set(waivers), key=lambda c: (-(errors[c] + waivers[c]), c))
    return [Unsteady(c, errors[c], waivers[c]) for c in ranked]


def history_to_dict(history: History) -> dict[str, Any]:
    """The JSON form of a history (`gonogo history --json`); decisions newest first."""
    times = history.times
    return {
        "directory": str(history.directory),
        "count": len(history.decisions),
        "skipped_before_since": history.skipped,
        "decisions": [_decision_to_dict(d) for d in reversed(history.decisions)],
        "waivers": [w.to_dict() for w in history.waivers],
        "unsteady": [
            {"criterion": u.criterion, "errors": u.errors, "waivers": u.waivers}
            for u in history.unsteady
        ],
        "time_to_decision": {
            "count": len(times),
            "median_seconds": history.median_seconds,
            "max_seconds": max(times) if times else None,
        },
    }


def _decision_to_dict(decision: PastDecision) -> dict[str, Any]:
    return {
        "seq": decision.seq,
        "record_id": decision.record_id,
        "decided_at": decision.decided_iso,
        "release": decision.release,
        "decision": decision.decision,
        "sections_go": decision.sections_go,
        "sections_total": decision.sections_total,
        "approvers": [
            {"role": a.role, "principal": a.principal, "vote": a.vote, "signed": a.signed}
            for a in decision.approvers
        ],
        "other_signatures": list(decision.other_signatures),
        "started_at": decision.started_iso,
        "seconds_to_decision": decision.seconds_to_decision,
        "waived": [
            {"criterion": w.criterion, "by": w.by, "reason": w.reason} for w in decision.waived
        ],
        "erred": list(decision.erred),
    }
