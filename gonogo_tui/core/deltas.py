"""What changed since the last GO: each criterion's value then and now, from the ledger.

The ledger (`ledger.jsonl`) lists the sealed records in order, each line naming its record
and its decision, so the last GO and the last N decisions are found from its last lines;
only their records' JSON is read (N + 1 files at most, whatever the ledger's length: a
review over a 10,000-record folder starts as fast as over an empty one, docs/benchmarks.md).
The chain is not checked here: this is what the room is shown beside the live values, not
evidence (`gonogo verify-ledger` checks the chain, `gonogo history` reads it all).

A record keeps each criterion's status and, since issue 17, its `measured` number and unit
(`core/measures.py`), with the series it is (`of`) when the probe compares several; an older
record's criteria have a status only, so they show a status change and no values. Numbers
of different series (or of a record that did not name its series) are not compared: the
row shows the status change, and the last GO's value with its series' name. A ledger or
record that cannot be read gives no deltas, never an error: the meeting goes on without them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from gonogo_tui.core import files
from gonogo_tui.core.evaluation import CriterionOutcome, Evaluation
from gonogo_tui.core.measures import Measured, comparison_of, measure
from gonogo_tui.core.probes.base import Status
from gonogo_tui.core.readings import number_text
from gonogo_tui.core.records.layout import LEDGER_NAME
from gonogo_tui.core.sparkline import spark_numbers

RECENT = 10
"""Decisions the sparkline of a criterion's values covers."""
_FAILING = frozenset({Status.FAIL.value, Status.ERROR.value})


@dataclass(frozen=True)
class Then:
    """A criterion as one past decision recorded it."""

    status: str
    measured: Measured | None = None

    @property
    def text(self) -> str:
        """`99 ms`, or the status when no number was kept."""
        if self.measured is None:
            return self.status
        return _with_unit(self.measured)


@dataclass(frozen=True)
class PastRecord:
    """One sealed decision, as far as deltas need it."""

    record_id: str
    decision: str
    release: str | None
    decided_at: str
    criteria: Mapping[str, Then]

    @property
    def label(self) -> str:
        """`v2.3.1, 2026-12-01`: the release (or the record) and the day."""
        return f"{self.release or self.record_id}, {self.decided_at[:10]}"


@dataclass(frozen=True)
class Past:
    """The last GO and the last `RECENT` decisions of an evidence folder."""

    last_go: PastRecord | None = None
    recent: tuple[PastRecord, ...] = ()
    """Oldest first."""

    def series(self, criterion_id: str) -> list[float | None]:
        """The criterion's numbers over the recent decisions, oldest first (None: no number)."""
        values = []
        for record in self.recent:
            then = record.criteria.get(criterion_id)
            values.append(then.measured.number if then and then.measured else None)
        return values

    def spark(self, criterion_id: str) -> str:
        """The series as a sparkline (`▁▃▂█`), or empty when no decision kept a number."""
        series = self.series(criterion_id)
        return spark_numbers(series) if any(v is not None for v in series) else ""

    def history_text(self, criterion_id: str) -> str:
        """`▁▂▃█▂ 2 h · 3 h · 4 h · 31 h · 6 h (last 5 decisions, oldest first)`, or empty
        when no recent decision kept a number for it."""
        spark = self.spark(criterion_id)
        if not spark:
            return ""
        values = []
        for record in self.recent:
            then = record.criteria.get(criterion_id)
            values.append(_with_unit(then.measured) if then and then.measured else "-")
        count = len(self.recent)
        span = "the last decision" if count == 1 else f"last {count} decisions, oldest first"
        return f"{spark}  {' · '.join(values)} ({span})"


@dataclass(frozen=True)
class Delta:
    """A criterion at the last GO and now."""

    then: Then
    now: Then
    moved: bool
    """The status changed, or the value did."""
    worse: bool
    """It moved the wrong way (see `delta_of`)."""
    since: PastRecord = field(compare=False)

    @property
    def arrow(self) -> str:
        """`▲` (the value rose) or `▼` (it fell) when it moved the wrong way, `✘` for a
        status that went from passing to failing without comparable numbers; else empty."""
        if not self.worse:
            return ""
        then, now = self.then.measured, self.now.measured
        if then is not None and now is not None and then.same_series(now):
            if now.number != then.number:
                return "▲" if now.number > then.number else "▼"
        return "✘"

    @property
    def brief(self) -> str:
        """`last GO 99 ms ▲`: for the row."""
        return f"last GO {self.then.text}{' ' + self.arrow if self.arrow else ''}"

    @property
    def text(self) -> str:
        """`last GO (v2.3.1, 2026-12-01): 99 ms PASS; now 182 ms FAIL ▲ (worse)`, or
        `... : 99 ms PASS, unchanged`."""
        if not self.moved:
            return f"last GO ({self.since.label}): {_status_text(self.then)}, unchanged"
        mark = f" {self.arrow} (worse)" if self.worse else " (moved)" if self.moved else ""
        return (
            f"last GO ({self.since.label}): {_status_text(self.then)}; "
            f"now {_status_text(self.now)}{mark}"
        )


def read_past(directory: Path, count: int = RECENT) -> Past:
    """The last GO and the last `count` decisions sealed in `directory`'s ledger.

    Never raises: a missing or unreadable ledger is no past, an unreadable record is left out
    (a link or FIFO at either's name counts as unreadable).
    """
    try:
        # Never through a link or from a FIFO (which would hang the review's start).
        with files.open_binary(directory / LEDGER_NAME, os.O_RDONLY) as ledger:
            recent, last_go = _walk_back(directory, _lines_from_end(ledger), count)
    except OSError:
        return Past()
    return Past(last_go=last_go, recent=tuple(reversed(recent)))


def _walk_back(
    directory: Path, lines: Iterator[bytes], count: int
) -> tuple[list[PastRecord], PastRecord | None]:
    """The last `count` records (newest first) and the last GO, from the ledger's lines
    newest first."""
    recent: list[PastRecord] = []
    last_go: PastRecord | None = None
    for line in lines:
        if len(recent) >= count and last_go is not None:
            break
        entry = _entry(line)
        if entry is None:
            continue
        record_id, decision = entry
        if len(recent) >= count and decision != "GO":
            continue  # past the recent ones, only the last GO is still wanted
        record = _read_record(directory, record_id, decision)
        if record is None:
            continue
        if len(recent) < count:
            recent.append(record)
        if last_go is None and decision == "GO":
            last_go = record
    return recent, last_go


def _lines_from_end(handle: IO[bytes], block: int = 1 << 16) -> Iterator[bytes]:
    """The file's non-empty lines, last first, read backwards a block at a time: the last
    decisions cost the same whatever the ledger's length."""
    end = handle.seek(0, os.SEEK_END)
    rest = b""
    while end > 0:
        start = max(0, end - block)
        handle.seek(start)
        lines = (handle.read(end - start) + rest).split(b"\n")
        end = start
        rest = lines.pop(0) if start > 0 else b""  # a line cut by the block's start
        for line in reversed(lines):
            if line.strip():
                yield line


def delta_of(past: Past, outcome: CriterionOutcome) -> Delta | None:
    """The criterion at the last GO and now; None when there was no GO, the last GO did
    not have this criterion, or it has no status yet (PENDING).

    It moved the wrong way when its status went from PASS to FAIL or ERROR, or its number
    moved against its threshold: up for `<`/`<=` (`< 24 h`: older is worse), down for
    `>`/`>=` (`≥ 95 %`), any change from a passing value for `==`/`!=`.
    """
    last_go = past.last_go
    if last_go is None or outcome.status is Status.PENDING:
        return None
    then = last_go.criteria.get(outcome.criterion.id)
    if then is None:
        return None
    now = Then(outcome.status.value, measure(outcome.criterion.probe, outcome.result))
    # Numbers are compared only when they are the same series in the same unit: the worst
    # of `gauge: [cpu, memory]` may be memory at the last GO and cpu now.
    numbers = (
        then.measured is not None
        and now.measured is not None
        and then.measured.same_series(now.measured)
    )
    value_moved = numbers and then.measured != now.measured
    worse = then.status == Status.PASS.value and now.status in _FAILING
    if numbers and then.measured is not None and now.measured is not None and not worse:
        worse = _against(outcome, then.measured.number, now.measured.number, then.status == "PASS")
    moved = then.status != now.status or value_moved
    return Delta(then, now, moved, worse and moved, last_go)


def deltas_of(past: Past, evaluation: Evaluation) -> dict[str, Delta]:
    """`delta_of` for every criterion that has one, by criterion id."""
    found = {}
    for section in evaluation.sections:
        for outcome in section.criteria:
            delta = delta_of(past, outcome)
            if delta is not None:
                found[outcome.criterion.id] = delta
    return found


def moved_since_last_go(past: Past, evaluation: Evaluation) -> tuple[int, int]:
    """How many criteria moved since the last GO, and how many of them the wrong way."""
    deltas = deltas_of(past, evaluation).values()
    return sum(d.moved for d in deltas), sum(d.worse for d in deltas)


def wrong_way(deltas: Mapping[str, Delta], order: Sequence[str]) -> list[str]:
    """The criteria (in `order`) that moved the wrong way."""
    return [cid for cid in order if cid in deltas and deltas[cid].worse]


def since_last_go(past: Past, evaluation: Evaluation) -> dict[str, Any] | None:
    """What changed since the last GO, for the record's JSON (`since_last_go`) and
    `gonogo check --changed-since-last-go`; None when the ledger holds no GO.

    `moved`: the criteria whose status or value moved; `worse`: those that moved the wrong
    way, each with its value then and now.
    """
    last_go = past.last_go
    if last_go is None:
        return None
    deltas = deltas_of(past, evaluation)
    titles = {o.criterion.id: o.criterion.title for s in evaluation.sections for o in s.criteria}
    return {
        "record_id": last_go.record_id,
        "release": last_go.release,
        "decided_at": last_go.decided_at,
        "moved": [cid for cid in titles if cid in deltas and deltas[cid].moved],
        "worse": [
            {
                "id": cid,
                "title": titles[cid],
                "then": _status_text(deltas[cid].then),
                "now": _status_text(deltas[cid].now),
                "arrow": deltas[cid].arrow,
            }
            for cid in wrong_way(deltas, list(titles))
        ],
    }


def with_deltas(document: dict[str, Any], past: Past, evaluation: Evaluation) -> None:
    """Add to a `gonogo check --json` document what changed since the last GO: on each
    criterion `last_go` (`{status, number, unit}`, null when the last GO did not have it),
    `moved` and `worse`; `since_last_go` at the top (null when the ledger holds no GO)."""
    deltas = deltas_of(past, evaluation)
    last_go = past.last_go
    for section in document["sections"]:
        for criterion in section["criteria"]:
            cid = criterion["id"]
            then = last_go.criteria.get(cid) if last_go is not None else None
            delta = deltas.get(cid)
            criterion["last_go"] = None if then is None else _then_dict(then)
            criterion["moved"] = delta is not None and delta.moved
            criterion["worse"] = delta is not None and delta.worse
    document["since_last_go"] = since_last_go(past, evaluation)


def _then_dict(then: Then) -> dict[str, Any]:
    measured = then.measured
    data: dict[str, Any] = {
        "status": then.status,
        "number": None if measured is None else measured.number,
        "unit": None if measured is None else measured.unit,
    }
    if measured is not None and measured.of:
        data["of"] = measured.of  # the series, when the probe compares several
    return data


def since_lines(since: Mapping[str, Any]) -> list[str]:
    """The record's `Changed since last GO (v2.3.1, 2026-12-01):` lines, from `since_last_go`."""
    label = f"{since.get('release') or since['record_id']}, {str(since['decided_at'])[:10]}"
    moved = len(since["moved"])
    head = f"Changed since last GO ({label}): {moved} moved, {len(since['worse'])} the wrong way"
    return [head + (":" if since["worse"] else "")] + [
        f"- {w['id']}: {w['title']}: {w['then']} → {w['now']} {w['arrow']}".rstrip()
        for w in since["worse"]
    ]


def _against(outcome: CriterionOutcome, then: float, now: float, was_passing: bool) -> bool:
    comparison = comparison_of(outcome.criterion.probe)
    if comparison is None or now == then:
        return False
    if comparison.op in ("<", "<="):
        return now > then
    if comparison.op in (">", ">="):
        return now < then
    return was_passing  # `==` and `!=`: any change from a passing value


def _entry(line: bytes) -> tuple[str, str] | None:
    try:
        fields = json.loads(line)
        return str(fields["record_id"]), str(fields["decision"])
    except (ValueError, TypeError, KeyError):
        return None


def _read_record(directory: Path, record_id: str, decision: str) -> PastRecord | None:
    if "/" in record_id or "\\" in record_id or record_id.startswith("."):
        return None  # a ledger line never names a file outside the folder
    try:
        data = json.loads(files.read_file(directory / f"{record_id}.json"))
        return _past_record(data, record_id, decision)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _past_record(data: dict[str, Any], record_id: str, decision: str) -> PastRecord:
    criteria = {}
    for section in data["sections"]:
        for criterion in section.get("criteria") or []:
            measured = criterion.get("measured")
            kept = None
            if isinstance(measured, dict):
                kept = Measured(
                    float(measured["number"]),
                    str(measured.get("unit", "")),
                    str(measured.get("of", "")),  # records before it kept no series' name
                )
            criteria[str(criterion["id"])] = Then(str(criterion["status"]), kept)
    release = data.get("release")
    return PastRecord(
        record_id=record_id,
        decision=decision,
        release=None if release is None else str(release),
        decided_at=str(data.get("decided_at", "")),
        criteria=criteria,
    )


def _with_unit(measured: Measured) -> str:
    number = number_text(measured.number)
    text = f"{number} {measured.unit}" if measured.unit else number
    return f"{measured.of} {text}" if measured.of else text


def _status_text(then: Then) -> str:
    return then.status if then.measured is None else f"{then.text} {then.status}"


__all__ = [
    "RECENT",
    "Delta",
    "Past",
    "PastRecord",
    "Then",
    "delta_of",
    "deltas_of",
    "moved_since_last_go",
    "read_past",
    "since_last_go",
    "since_lines",
    "with_deltas",
    "wrong_way",
]
