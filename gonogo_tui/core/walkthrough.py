"""The walkthrough summary: what would block GO, as markdown saved for the meeting."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from pathlib import Path

from gonogo_tui.core import files
from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import CriterionOutcome, Decision, Evaluation
from gonogo_tui.core.evidence import Note, write_new_file
from gonogo_tui.core.probes.base import iso_utc
from gonogo_tui.core.report import criterion_detail, criterion_expected, criterion_value
from gonogo_tui.core.sanitize import printable

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
) -> str:
    """Markdown saying where the review stands and what still blocks GO.

    Args:
        checklist: the checklist walked through.
        evaluation: the evaluation at the end of the walkthrough.
        operator: who walked through it.
        at: when (timezone-aware).
        release: the release label, if any.
        stale_ids: criteria whose results are older than the freshness limit.
        notes: notes taken so far.
    """
    lines = [
        f"# Walkthrough: {_md(checklist.title)}",
        "",
        f"- Checklist: `{checklist.path}` (sha256 `{checklist.sha256[:16]}`)",
        f"- Release: {_md(release or checklist.release or '-')}",
        f"- Walked through by: {_md(operator)}",
        f"- At: {iso_utc(at)}",
        f"- Decision if the meeting were now: **{_DECISION_TEXT[evaluation.decision]}** "
        f"({evaluation.sections_go}/{evaluation.sections_total} sections GO)",
        "",
        "## What blocks GO",
        "",
    ]
    blocking = [
        s for s in evaluation.sections if s.criteria and not all(c.passed for c in s.criteria)
    ]
    if not blocking:
        lines += ["Nothing: every section is GO.", ""]
    for section in blocking:
        lines += [f"### {section.number}. {_md(section.section.title)}", ""]
        for outcome in section.criteria:
            if not outcome.passed:
                lines += _blocking_lines(outcome, stale=outcome.criterion.id in stale_ids)
        lines.append("")
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
                line += f" (waived by {_md(outcome.waiver.operator)}: {_md(outcome.waiver.reason)})"
            lines.append(line)
        lines.append("")
    stale = sorted(stale_ids)
    if stale:
        lines += ["## Stale results (rerun before the decision)", ""]
        lines += [f"- `{cid}`" for cid in stale]
        lines.append("")
    if notes:
        lines += ["## Notes", ""]
        for note in notes:
            about = f" on `{note.criterion_id}`" if note.criterion_id else ""
            lines.append(f"- {iso_utc(note.at)} {_md(note.operator)}{about}: {_md(note.text)}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _blocking_lines(outcome: CriterionOutcome, *, stale: bool) -> list[str]:
    criterion = outcome.criterion
    value = criterion_value(outcome) or "-"
    head = (
        f"- **{outcome.status.value}** `{criterion.id}` {_md(criterion.title)}: "
        f"value {_md(value)}, expected {_md(criterion_expected(outcome))}"
    )
    if stale:
        head += " (stale)"
    lines = [head]
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


def write_walkthrough_summary(text: str, evidence_dir: Path, at: datetime) -> Path:
    """Save the summary as `walkthrough_YYYYmmdd_HHMMSS.md`, never overwriting a file.

    Raises:
        EvidenceError: the folder or file cannot be written.
    """
    try:
        evidence_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EvidenceError(f"{evidence_dir}: cannot create: {exc.strerror or exc}") from None
    stem = f"walkthrough_{at.astimezone(UTC).strftime('%Y%m%d_%H%M%S')}"
    for attempt in range(1, 1000):
        path = evidence_dir / (f"{stem}.md" if attempt == 1 else f"{stem}_{attempt}.md")
        if files.lexists(path):  # a dangling link takes a name too; never followed
            continue
        return write_new_file(path, text.encode("utf-8"))
    raise EvidenceError(f"{evidence_dir}: no free name for {stem}.md")


__all__ = ["walkthrough_summary", "write_walkthrough_summary"]
