"""The readable table `gonogo check` prints (Rich; probe texts are never parsed as markup)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.deltas import Delta, Past, deltas_of, since_last_go, since_lines
from gonogo_tui.core.evaluation import CriterionOutcome, Decision, Evaluation
from gonogo_tui.core.evaluation_export import (
    advisory_findings,
    criterion_detail,
    criterion_expected,
    criterion_source,
    criterion_value,
    missing_for_go,
)
from gonogo_tui.core.probes.base import Status
from gonogo_tui.core.sanitize import printable
from gonogo_tui.core.sparkline import spark_line

STATUS_STYLE = {
    Status.PASS: ("✔ PASS", "bold green"),
    Status.FAIL: ("✘ FAIL", "bold red"),
    Status.ERROR: ("! ERROR", "bold magenta"),
    Status.PENDING: ("○ PENDING", "yellow"),
    Status.WAIVED: ("≈ WAIVED", "cyan"),
}
"""Symbol and style per status: the symbol carries the meaning without colour."""

DECISION_STYLE = {
    Decision.GO: ("GO ✅", "bold green"),
    Decision.REVIEW: ("REVIEW ⚠️  (CTO approval required)", "bold yellow"),
    Decision.NO_GO: ("NO-GO ❌", "bold red"),
}


def _text(value: str, style: str = "") -> Text:
    return Text(printable(value, keep_newlines=False), style=style)


def print_table(
    checklist: Checklist,
    evaluation: Evaluation,
    *,
    record_path: Path | None = None,
    console: Console | None = None,
    past: Past | None = None,
) -> None:
    """Print every criterion, the decision and what is missing for GO; with `past`, a
    `Last GO` column and what moved the wrong way since (`--changed-since-last-go`)."""
    console = console or Console(width=None if _is_tty() else 200, highlight=False)
    table = Table(title=_text(checklist.title), show_lines=False, expand=False)
    columns = ["Section", "Criterion", "Status", "Value", "Expected", "Source", "Time"]
    if past is not None:
        columns.insert(4, "Last GO")
    for column in columns:
        table.add_column(column, overflow="fold")
    deltas = deltas_of(past, evaluation) if past is not None else {}
    for section in evaluation.sections:
        for index, outcome in enumerate(section.criteria):
            label, style = STATUS_STYLE[outcome.status]
            result = outcome.result
            shown = criterion_value(outcome) or criterion_detail(outcome)
            if result is not None and result.samples:  # a sustained check's latest samples
                shown = f"{spark_line(result.samples)[-16:]} {shown}"
            cells = [
                _text(f"{section.number}. {section.section.title}" if index == 0 else ""),
                _text(outcome.criterion.title + _marks(outcome)),
                _text(label, style),
                _text(shown),
                _text(criterion_expected(outcome)),
                _text(criterion_source(outcome)),
                _text(f"{result.duration_ms:.0f} ms" if result else "-"),
            ]
            if past is not None:
                cells.insert(4, _last_go(deltas.get(outcome.criterion.id)))
            table.add_row(*cells)
        table.add_section()
    console.print(table)
    label, style = DECISION_STYLE[evaluation.decision]
    summary = Text("Decision: ")
    summary.append(label, style=style)
    summary.append(f"   {evaluation.sections_go}/{evaluation.sections_total} sections GO")
    console.print(summary)
    if evaluation.reason:
        console.print(_text(evaluation.reason, "bold red"))
    missing = missing_for_go(evaluation)
    if missing:
        console.print(Text(f"Missing for GO ({len(missing)}):", style="bold"))
        for line in missing:
            console.print(_text(f"  - {line}"))
    advisory = advisory_findings(evaluation)
    if advisory:
        console.print(Text(f"Advisory, not blocking ({len(advisory)}):", style="bold"))
        for line in advisory:
            console.print(_text(f"  - {line}"))
    if past is not None:
        since = since_last_go(past, evaluation)
        lines = since_lines(since) if since is not None else ["No GO in the ledger yet."]
        console.print(Text(lines[0], style="bold"))
        for line in lines[1:]:
            console.print(_text(f"  {line}"))
    if record_path is not None:
        console.print(_text(f"Record: {record_path}"))


def _last_go(delta: Delta | None) -> Text:
    """`99 ms ▲` (red: the wrong way), `99 ms` (moved), `=` (unchanged), `-` (no last GO)."""
    if delta is None:
        return Text("-")
    if not delta.moved:
        return Text("=")
    shown = f"{delta.then.text} {delta.arrow}".rstrip()
    return _text(shown, "bold red" if delta.worse else "")


def _marks(outcome: CriterionOutcome) -> str:
    return " [critical]" * outcome.critical + " [advisory]" * outcome.advisory


def _is_tty() -> bool:
    import sys

    return sys.stdout.isatty()
