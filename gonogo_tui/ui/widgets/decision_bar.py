"""The always-visible decision bar: sections GO, the policy's decision, what GO still needs."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from gonogo_tui.core.evaluation import Evaluation
from gonogo_tui.core.journal import Finalized
from gonogo_tui.ui.presentation import (
    VERDICT_CLASSES,
    VERDICTS,
    WORDS,
    final_look,
    row_state,
    safe_text,
    set_state_class,
)


def missing_summary(evaluation: Evaluation, running: Collection[str] = ()) -> str:
    """`Missing for GO: 2 ci-runs FAIL · 10 on-call TICK` (section number, id, state)."""
    items = [
        f"{section.number} {outcome.criterion.id} "
        f"{WORDS[row_state(outcome, outcome.criterion.id in running)]}"
        for section in evaluation.sections
        for outcome in section.criteria
        if not outcome.passed
    ]
    items += [
        f"{s.number} {s.section.id} (no criteria)" for s in evaluation.sections if not s.criteria
    ]
    if not items:
        return "Nothing missing: every criterion is PASS or WAIVED."
    return f"Missing for GO ({len(items)}): " + " · ".join(items)


class DecisionBar(Horizontal):
    """The verdict on the left (`-go`, `-review`, `-no-go`, `-override`), reasons beside it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[object, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static(id="verdict", markup=False)
        yield Static(id="decision-info", markup=False)

    def show(
        self,
        evaluation: Evaluation,
        *,
        running: Collection[str],
        stale: int,
        finalized: Finalized | None,
    ) -> None:
        """Show the current evaluation, or the recorded decision once finalized."""
        look = (
            final_look(finalized.display_decision) if finalized else VERDICTS[evaluation.decision]
        )
        sections = f"{evaluation.sections_go}/{evaluation.sections_total} sections GO"
        first = Text(no_wrap=True, overflow="ellipsis")
        if finalized is not None:
            first.append(f"FINAL: {look.word}", style="bold")
            first.append(f" ({look.explanation}) · recorded by {safe_text(finalized.operator)}")
            first.append(
                f" in {Path(finalized.paths[0]).name if finalized.paths else finalized.record_id}"
            )
        else:
            policy = VERDICTS[evaluation.decision]
            first.append(f"Decision by the policy: {policy.word}", style="bold")
            first.append(f" ({policy.explanation}) · {sections}")
            if running:
                count = len(running)
                first.append(f" · provisional: {count} probe{'s' * (count != 1)} running")
            if stale:
                first.append(f" · {stale} stale")
        second = Text(safe_text(missing_summary(evaluation, running)))
        info = Text("\n", no_wrap=True, overflow="ellipsis").join([first, second])
        if (look, sections, info) == self._shown:
            return  # an update re-lays out the screen: only when something changed
        self._shown = (look, sections, info)
        verdict = self.query_one("#verdict", Static)
        set_state_class(verdict, VERDICT_CLASSES, look.css_class)
        # Both boxes have a fixed size (review.tcss): no need to lay out the screen again.
        verdict.update(Text(f"{look.symbol} {look.word}\n{sections}"), layout=False)
        self.query_one("#decision-info", Static).update(info, layout=False)


__all__ = ["DecisionBar", "missing_summary"]
