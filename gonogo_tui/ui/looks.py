"""How outcomes look on screen: symbols, words, CSS classes, ages and escaped probe text.

Symbols carry the meaning without colour (monochrome projectors, colour-blind viewers);
colour only repeats it. Nothing here decides anything: statuses come from the core.
"""

from __future__ import annotations

import enum
import functools
import math
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from rich.text import Text
from textual.dom import DOMNode

from gonogo_tui.core.blockers import Standing
from gonogo_tui.core.evaluation import CriterionOutcome, Decision, SectionOutcome, SectionStatus
from gonogo_tui.core.probes.base import Status
from gonogo_tui.core.sanitize import printable


class RowState(enum.StrEnum):
    """What a criterion row shows; PENDING splits into waiting for a probe or for a tick."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    RUNNING = "running"
    PENDING = "pending"
    TICK = "tick"
    """A manual criterion waiting for its tick."""
    WAIVED = "waived"


SYMBOLS = {
    RowState.PASS: "✔",
    RowState.FAIL: "✘",
    RowState.ERROR: "!",
    RowState.RUNNING: "…",
    RowState.PENDING: "○",
    RowState.TICK: "☐",
    RowState.WAIVED: "≈",
}
"""One distinct shape per state."""

WORDS = {
    RowState.PASS: "PASS",
    RowState.FAIL: "FAIL",
    RowState.ERROR: "ERROR",
    RowState.RUNNING: "RUN",
    RowState.PENDING: "WAIT",
    RowState.TICK: "TICK",
    RowState.WAIVED: "WAIVED",
}
"""The state in a word, beside the symbol."""

ROW_STYLES = {
    RowState.PASS: "$text-success",
    RowState.FAIL: "$text-error",
    RowState.ERROR: "$text-error",
    RowState.RUNNING: "$text-primary",
    RowState.PENDING: "$text-muted",
    RowState.TICK: "$text-warning",
    RowState.WAIVED: "$text-accent",
}
"""Theme-variable colour of each state's symbol and word (and of a failing value)."""
EXPECTED_STYLE = "$text-muted"
AGE_STYLE = "$text-muted"
STALE_STYLE = "$text-warning bold"
DELTA_STYLE = "$text-muted"
"""The value at the last GO beside a row's value (`(last GO 99 ms)`)."""
WORSE_STYLE = "$text-error bold"
"""The same when it moved the wrong way (`(last GO 99 ms ▲)`)."""

STALE_MARK = "⟳"
"""Marks a result older than the freshness limit (due a rerun); one cell wide."""
CLOCK_MARK = "◷"
"""Before the meeting's countdown; one cell wide (emoji clocks are two in many terminals)."""

ROW_CLASSES = tuple(f"-{state.value}" for state in RowState)

WEIGHT_MARKS = {"critical": "◆", "advisory": "◇"}
"""One cell before a narrow row's title; wide rows spell the word (`weight_of`)."""
WEIGHT_STYLES = {"critical": "$text-error bold", "advisory": "$text-muted italic"}
WEIGHT_TEXTS = {
    "critical": "critical: must PASS, else NO-GO whatever the count; cannot be waived",
    "advisory": "advisory: shown and recorded, never blocking",
}
"""What the detail pane says about a critical or advisory criterion."""


def weight_of(outcome: CriterionOutcome) -> str:
    """`critical`, `advisory` or empty: what the row marks besides its state."""
    if outcome.critical:
        return "critical"
    return "advisory" if outcome.advisory else ""


def row_state(outcome: CriterionOutcome, running: bool) -> RowState:
    """The state a criterion row shows."""
    if running:
        return RowState.RUNNING
    status = outcome.status
    if status is Status.PENDING:
        return RowState.TICK if outcome.criterion.is_manual else RowState.PENDING
    return RowState(status.value.lower())


class PanelState(enum.StrEnum):
    """A section panel's live status."""

    RUNNING = "running"
    GO = "go"
    NO_GO = "no-go"
    WAITING = "waiting"
    """Only manual ticks are missing."""
    PENDING = "pending"
    """Probes have not run yet."""


PANEL_LABELS = {
    PanelState.RUNNING: "… RUNNING",
    PanelState.GO: "✔ GO",
    PanelState.NO_GO: "✘ NO-GO",
    PanelState.WAITING: "☐ WAITING",
    PanelState.PENDING: "○ PENDING",
}
PANEL_CLASSES = tuple(f"-{state.value}" for state in PanelState)


def panel_state(section: SectionOutcome, running: Collection[str]) -> PanelState:
    """A section's live status: running first, then the core's GO, then why it is not GO."""
    ids = [outcome.criterion.id for outcome in section.criteria]
    if any(cid in running for cid in ids):
        return PanelState.RUNNING
    if section.status is SectionStatus.GO:
        return PanelState.GO
    not_passed = [outcome for outcome in section.criteria if outcome.blocking]
    if any(outcome.status in (Status.FAIL, Status.ERROR) for outcome in not_passed):
        return PanelState.NO_GO
    if not_passed and all(outcome.criterion.is_manual for outcome in not_passed):
        return PanelState.WAITING
    if not_passed:
        return PanelState.PENDING
    return PanelState.NO_GO


def panel_counts(section: SectionOutcome) -> str:
    """`4/5` criteria passed, `5/5 · 1 waived` when a person waived some of them; `· critical
    ✘` when a critical criterion failed or could not measure (the decision is NO-GO), and
    `· 1 advisory ✘` for advisory ones not passing (a GO section with 4/5 says why)."""
    waived = section.count(Status.WAIVED)
    counts = f"{section.passed_count}/{len(section.criteria)}"
    if waived:
        counts += f" · {waived} waived"
    measured = (Status.FAIL, Status.ERROR)
    if any(o.critical and o.status in measured for o in section.criteria):
        counts += f" · critical {SYMBOLS[RowState.FAIL]}"
    advisory = sum(1 for o in section.criteria if o.advisory and o.status in measured)
    if advisory:
        counts += f" · {advisory} advisory {SYMBOLS[RowState.FAIL]}"
    return counts


@dataclass(frozen=True)
class VerdictLook:
    """How a decision is shown."""

    word: str
    symbol: str
    css_class: str
    explanation: str


VERDICTS = {
    Decision.GO: VerdictLook("GO", "✔", "-go", "all sections GO"),
    Decision.REVIEW: VerdictLook("REVIEW", "⚠", "-review", "CTO approval required"),
    Decision.NO_GO: VerdictLook("NO-GO", "✘", "-no-go", "blocks the deployment"),
}
WAITING_LOOK = VerdictLook("WAITING", "○", "-waiting", "nothing has failed; answers to come")
"""Provisional: nothing FAIL or ERROR, ticks or probes outstanding (core `room_view`)."""
OVERRIDE_LOOK = VerdictLook("OVERRIDE", "⚠", "-override", "emergency override, not a plain GO")
REVIEW_APPROVED_LOOK = VerdictLook("GO", "✔", "-go", "REVIEW, approved by the CTO")
VERDICT_CLASSES = ("-go", "-review", "-no-go", "-override", "-waiting")


def live_look(standing: Standing) -> VerdictLook:
    """The look of what the room sees now: WAITING, or the policy's decision."""
    if standing is Standing.WAITING:
        return WAITING_LOOK
    return VERDICTS[Decision(standing.value)]


def final_look(display_decision: str, policy: Decision) -> VerdictLook:
    """The look of a recorded decision: GO, NO-GO or OVERRIDE; a GO that the policy calls
    REVIEW was the CTO's approval, not "all sections GO"."""
    if display_decision == "OVERRIDE":
        return OVERRIDE_LOOK
    if display_decision == "GO" and policy is Decision.REVIEW:
        return REVIEW_APPROVED_LOOK
    return VERDICTS[Decision(display_decision)]


def set_state_class(node: DOMNode, state_classes: Iterable[str], current: str) -> None:
    """Switch `node` to one state class in a single restyle (remove + add would be two)."""
    node.update_classes({name: name == current for name in state_classes}, animate=False)


def format_age(seconds: float) -> str:
    """`10s`, `4m`, `3h`, `2d`: short enough for a table column.

    Under a minute it moves in 5-second steps: fifty rows redrawn every second would cost
    more than the second digit tells anyone.
    """
    if seconds < 60:
        return f"{int(seconds) // 5 * 5}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


def format_clock(remaining: float) -> str:
    """`09:59` counting down, `00:00` at the end, then `+01:23` of overtime."""
    if remaining >= 0:
        whole = math.ceil(remaining)
        return f"{whole // 60:02d}:{whole % 60:02d}"
    over = int(-remaining)
    return f"+{over // 60:02d}:{over % 60:02d}"


OUTPUT_LINES = 200
"""Lines of raw output shown in the detail pane."""
OUTPUT_CHARS = 8000
"""Characters of raw output shown in the detail pane."""


SAFE_TEXT_CACHED = 200
"""Texts up to this long are remembered by `safe_text`: a thousand rows redrawn every
second pass the same titles and values again and again."""


def safe_text(text: str, *, keep_newlines: bool = True) -> str:
    """Untrusted text made inert: control characters, escape sequences and bidi controls
    become visible escapes (`\\x1b`, `\\u202e`). Use it inside `rich.text.Text`, never markup.
    """
    if len(text) <= SAFE_TEXT_CACHED:
        return _safe_text_cached(text, keep_newlines)
    return _safe_text(text, keep_newlines)


@functools.lru_cache(maxsize=8192)
def _safe_text_cached(text: str, keep_newlines: bool) -> str:
    return _safe_text(text, keep_newlines)


def _safe_text(text: str, keep_newlines: bool) -> str:
    cleaned = printable(text, keep_newlines=keep_newlines).replace("\t", "    ")
    if not any(unicodedata.category(ch) == "Cf" for ch in cleaned):
        return cleaned
    return "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch) == "Cf" else ch for ch in cleaned
    )


def output_text(output: str) -> Text:
    """Raw probe output for the detail pane: escaped, capped in lines and characters."""
    lines = safe_text(output).splitlines()
    dropped_lines = max(0, len(lines) - OUTPUT_LINES)
    shown = "\n".join(lines[:OUTPUT_LINES])
    dropped_chars = max(0, len(shown) - OUTPUT_CHARS)
    shown = shown[:OUTPUT_CHARS]
    text = Text(shown, no_wrap=False)
    if dropped_lines or dropped_chars:
        text.append(
            f"\n… output capped ({dropped_lines} more lines, {dropped_chars} more characters)",
            style="italic",
        )
    return text


__all__ = [
    "OVERRIDE_LOOK",
    "REVIEW_APPROVED_LOOK",
    "WAITING_LOOK",
    "PANEL_CLASSES",
    "PANEL_LABELS",
    "AGE_STYLE",
    "DELTA_STYLE",
    "EXPECTED_STYLE",
    "ROW_CLASSES",
    "ROW_STYLES",
    "STALE_STYLE",
    "STALE_MARK",
    "CLOCK_MARK",
    "SYMBOLS",
    "VERDICTS",
    "VERDICT_CLASSES",
    "WEIGHT_MARKS",
    "WEIGHT_STYLES",
    "WEIGHT_TEXTS",
    "WORDS",
    "WORSE_STYLE",
    "PanelState",
    "RowState",
    "VerdictLook",
    "final_look",
    "format_age",
    "live_look",
    "format_clock",
    "output_text",
    "panel_counts",
    "panel_state",
    "row_state",
    "safe_text",
    "set_state_class",
    "weight_of",
]
