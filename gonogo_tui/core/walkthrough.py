"""The walkthrough summary: where the review stands and the path to GO, saved for the meeting."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from gonogo_tui.core import files
from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.clock import file_stamp, iso_utc
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import Decision, Evaluation
from gonogo_tui.core.evaluation_export import criterion_detail, criterion_expected, criterion_value
from gonogo_tui.core.path_to_go import Change, PathToGo, estimate, path_to_go
from gonogo_tui.core.poll import seats
from gonogo_tui.core.prepoll import expected_no_go, likely_objections
from gonogo_tui.core.probes.base import ProbeResult
from gonogo_tui.core.records.model import Note
from gonogo_tui.core.records.write import write_new_file
from gonogo_tui.core.sanitize import printable
from gonogo_tui.core.waiver_rules import waived_text
from gonogo_tui.core.waivers import waivers_summary

_DECISION_TEXT = {
    Decision.GO: "GO",
    Decision.REVIEW: "REVIEW (CTO approval required)",
    Decision.NO_GO: "NO-GO",
}


def walkthrough_summary(
    checklist: Checklist,
    evaluation: Evaluation,
    *,
    operator: str,
    at: datetime,
    release: str | None = None,
    stale_ids: Collection[str] = (),
    notes: Sequence[Note] = (),
    runs: Mapping[str, Sequence[ProbeResult]] | None = None,
) -> str:
    """Markdown saying where the review stands, the path to GO and the pre-poll.

    Args:
        checklist: the checklist walked through.
        evaluation: the evaluation at the end of the walkthrough.
        operator: who walked through it.
        at: when (timezone-aware).
        release: the release label, if any.
        stale_ids: criteria whose results are older than the freshness limit.
        notes: notes taken so far.
        runs: every result of each criterion this meeting (for the pre-poll).
    """
    path = path_to_go(evaluation, checklist.policy, stale_ids=stale_ids)
    lines = [
        f"# Walkthrough: {_md(checklist.title)}",
        "",
        f"- Checklist: `{checklist.path}` (sha256 `{checklist.sha256[:16]}`)",
        f"- Release: {_md(release or checklist.release or '-')}",
        f"- Walked through by: {_md(operator)}",
        f"- At: {iso_utc(at)}",
        f"- Decision if the meeting were now: **{_DECISION_TEXT[evaluation.decision]}** "
        f"({evaluation.sections_go}/{evaluation.sections_total} sections GO)",
        f"- The call will decide: {_md(estimate(path))}",
    ]
    waivers = waivers_summary(evaluation, checklist.policy)
    if waivers:  # a waiver never hides behind a plain verdict (`GO only because of ...`)
        lines.append(f"- Waivers: {_md(waivers)}")
    lines += [
        "",
        "## Path to GO",
        "",
    ]
    lines += _path_lines(path)
    manual = [c for s in evaluation.sections for c in s.criteria if c.criterion.is_manual]
    if manual:
        lines += ["## Manual criteria", ""]
        for outcome in manual:
            box = "x" if outcome.tick is not None else " "
            line = f"- [{box}] `{outcome.criterion.id}` {_md(outcome.criterion.title)}"
            if outcome.tick is not None:
                line += f" (ticked by {_md(outcome.tick.operator)} at {iso_utc(outcome.tick.at)}"
                line += f": {_md(outcome.tick.note)})" if outcome.tick.note else ")"
            elif outcome.waiver is not None:
                line += f" ({_md(waived_text(outcome.waiver))})"
            lines.append(line)
        lines.append("")
    if notes:
        lines += ["## Notes", ""]
        for note in notes:
            about = f" on `{note.criterion_id}`" if note.criterion_id else ""
            lines.append(f"- {iso_utc(note.at)} {_md(note.operator)}{about}: {_md(note.text)}")
        lines.append("")
    lines += _pre_poll_lines(checklist, evaluation, stale_ids, runs)
    return "\n".join(lines).rstrip("\n") + "\n"


def _pre_poll_lines(
    checklist: Checklist,
    evaluation: Evaluation,
    stale_ids: Collection[str],
    runs: Mapping[str, Sequence[ProbeResult]] | None,
) -> list[str]:
    """Which owners will probably object in the poll and why (`core/prepoll.py`)."""
    if not seats(checklist):
        return []
    likely = likely_objections(checklist, evaluation, stale_ids=stale_ids, runs=runs)
    lines = ["## Pre-poll", ""]
    for item in likely:
        owner = f"{_md(item.seat.owner.role)} ({_md(item.seat.owner.who)})"
        lines.append(
            f"- {owner} may object to {_md(item.seat.section.title)}: "
            + "; ".join(_md(reason) for reason in item.reasons)
        )
    if not likely:
        lines.append("- No passing section gives its owner an obvious reason to object.")
    no_go = expected_no_go(checklist, evaluation)
    if no_go:
        names = ", ".join(f"{_md(s.owner.role)} ({_md(s.section.title)})" for s in no_go)
        lines.append(f"- Expected NO-GO, not an objection (the section does not pass): {names}")
    return [*lines, ""]


def _path_lines(path: PathToGo) -> list[str]:
    if path.decision is Decision.GO:
        lines = ["Nothing: the decision is GO.", ""]
    elif not path.reachable:
        lines = ["No change gives GO: a section without criteria is never GO.", ""]
    else:
        lines = []
    if path.fixes:
        lines += [f"### Fix ({len(path.fixes)})", ""]
        for change in path.fixes:
            lines += _fix_lines(change, stale=change.outcome.criterion.id in path.stale)
        lines.append("")
    if path.runs:
        lines += [f"### Run (not run yet: {len(path.runs)})", ""]
        lines += [f"- {_criterion_ref(c)}: from {_md(c.who)}" for c in path.runs]
        lines.append("")
    if path.ticks_collectable:
        lines += [f"### Ticks to collect ({len(path.ticks_collectable)})", ""]
        lines += [f"- {_criterion_ref(c)}: from {_md(c.who)}" for c in path.ticks_collectable]
        lines.append("")
    if path.waivers:
        lines += [
            "### Or waivers instead of fixes",
            "",
            "The policy lets a measured failure be waived with a reason; "
            "the section's owner grants it.",
            "",
        ]
        lines += [f"- {_criterion_ref(c)}: granted by {_md(c.who)}" for c in path.waivers]
        lines.append("")
    if path.stale:
        lines += ["### Stale results (rerun before the decision)", ""]
        lines += [f"- `{cid}`" for cid in path.stale]
        lines.append("")
    return lines


def _criterion_ref(change: Change) -> str:
    criterion = change.outcome.criterion
    section = change.section
    # A critical one is marked: it alone keeps the decision NO-GO, whatever the count.
    return (
        f"`{criterion.id}` {_md(criterion.title)} ({section.number}. {_md(section.section.title)})"
        + (" **critical**" if change.outcome.critical else "")
    )


def _fix_lines(change: Change, *, stale: bool) -> list[str]:
    outcome = change.outcome
    criterion = outcome.criterion
    value = criterion_value(outcome) or "-"
    head = (
        f"- **{outcome.status.value}** {_criterion_ref(change)}: "
        f"value {_md(value)}, expected {_md(criterion_expected(outcome))}"
    )
    if stale:
        head += " (stale)"
    lines = [head, f"  - Owner: {_md(change.who)}"]
    detail = criterion_detail(outcome)
    if detail:
        lines.append(f"  - Detail: {_md(detail)}")
    if criterion.hint:
        lines.append(f"  - Hint: {_md(criterion.hint)}")
    if criterion.runbook:
        lines.append(f"  - Runbook: {_md(criterion.runbook)}")
    return lines


def _md(text: str) -> str:
    """One line of untrusted text, safe inside markdown (no control characters, no HTML)."""
    flat = " ".join(printable(text, keep_newlines=False).split())
    return flat.replace("<", "&lt;").replace(">", "&gt;")


WALKTHROUGH_FORMAT = "gonogo-walkthrough/1"
"""The `format` of a walkthrough's JSON twin (`walkthrough_*.json`)."""


def walkthrough_data(
    checklist: Checklist,
    evaluation: Evaluation,
    *,
    operator: str,
    at: datetime,
    release: str | None = None,
    stale_ids: Collection[str] = (),
) -> dict[str, Any]:
    """The summary's JSON twin: the path to GO, which `gonogo report` renders for chat.

    Args:
        checklist: the checklist walked through.
        evaluation: the evaluation at the end of the walkthrough.
        operator: who walked through it.
        at: when (timezone-aware).
        release: the release label, if any.
        stale_ids: criteria whose results are older than the freshness limit.
    """
    path = path_to_go(evaluation, checklist.policy, stale_ids=stale_ids)
    return {
        "format": WALKTHROUGH_FORMAT,
        "checklist": {
            "title": checklist.title,
            "path": str(checklist.path),
            "sha256": checklist.sha256,
        },
        "release": release or checklist.release,
        "operator": operator,
        "at": iso_utc(at),
        "decision": evaluation.decision.value,
        "sections_go": evaluation.sections_go,
        "sections_total": evaluation.sections_total,
        "estimate": estimate(path),
        "with_ticks": path.with_ticks.value,
        "reachable": path.reachable,
        "review_roles": list(path.review_roles),
        "fixes": [_change_dict(c) for c in path.fixes],
        "runs": [_change_dict(c) for c in path.runs],
        "ticks": [_change_dict(c) for c in path.ticks_collectable],
        "waivers": [_change_dict(c) for c in path.waivers],
        "stale": list(path.stale),
    }


def _change_dict(change: Change) -> dict[str, Any]:
    outcome = change.outcome
    criterion = outcome.criterion
    return {
        "id": criterion.id,
        "title": criterion.title,
        "section_number": change.section.number,
        "section_title": change.section.section.title,
        "status": outcome.status.value,
        "value": criterion_value(outcome),
        "expected": criterion_expected(outcome),
        "detail": criterion_detail(outcome),
        "who": change.who,
        "runbook": criterion.runbook,
        **({"critical": True} if outcome.critical else {}),  # only when set, as in records
    }


def write_walkthrough_summary(
    text: str, evidence_dir: Path, at: datetime, data: Mapping[str, Any] | None = None
) -> Path:
    """Save the summary as `walkthrough_YYYYmmdd_HHMMSS.md` (and `data` as the `.json`
    beside it), never overwriting a file.

    Returns:
        The markdown file's path.

    Raises:
        EvidenceError: the folder or a file cannot be written.
    """
    try:
        evidence_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EvidenceError(f"{evidence_dir}: cannot create: {exc.strerror or exc}") from None
    stem = f"walkthrough_{file_stamp(at)}"
    for attempt in range(1, 1000):
        path = evidence_dir / (f"{stem}.md" if attempt == 1 else f"{stem}_{attempt}.md")
        twin = path.with_suffix(".json")
        if files.lexists(path) or files.lexists(twin):  # a dangling link takes a name too
            continue
        if data is not None:
            body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
            write_new_file(twin, body.encode("utf-8"))
        return write_new_file(path, text.encode("utf-8"))
    raise EvidenceError(f"{evidence_dir}: no free name for {stem}.md")


__all__ = [
    "WALKTHROUGH_FORMAT",
    "walkthrough_data",
    "walkthrough_summary",
    "write_walkthrough_summary",
]
