"""The always-visible decision bar: sections GO, the policy's decision, what GO still needs."""

from __future__ import annotations

import itertools
from collections.abc import Collection
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from gonogo_tui.core.evaluation import Evaluation
from gonogo_tui.core.journal import Finalized
from gonogo_tui.ui.looks import (
    VERDICT_CLASSES,
    VERDICTS,
    WORDS,
    final_look,
    row_state,
    safe_text,
    set_state_class,
)

SUMMARY_CELLS = 1000
"""The decision bar's summary line is cut after this many characters: wider than any
terminal (the line ends in an ellipsis on screen anyway), and a thousand failing criteria
would otherwise make a line of 20,000 characters to escape and lay out on every change."""


def missing_summary(
    evaluation: Evaluation, running: Collection[str] = (), *, limit: int | None = None
) -> str:
    """`Missing for GO: 2 ci-runs FAIL · 10 on-call TICK` (section number, id, state);
    with `limit`, the items stop once the line is longer than that (then ` · …`)."""
    missing = [
        (section, outcome)
        for section in evaluation.sections
        for outcome in section.criteria
        if outcome.blocking  # advisory criteria never stand between this and GO
    ]
    empty = [s for s in evaluation.sections if not s.criteria]
    count = len(missing) + len(empty)
    if not count:
        return "Nothing missing: every criterion is PASS or WAIVED."
    line = f"Missing for GO ({count}): "
    items = itertools.chain(
        (
            f"{section.number} {outcome.criterion.id} "
            f"{WORDS[row_state(outcome, outcome.criterion.id in running)]}"
            + (" critical" if outcome.critical else "")
            for section, outcome in missing
        ),
        (f"{s.number} {s.section.id} (no criteria)" for s in empty),
    )
    shown: list[str] = []
    length = len(line)
    for number, item in enumerate(items):
        if limit is not None and length > limit:
            return line + " · ".join(shown) + " · …"
        shown.append(item)
        length += len(item) + (3 if number else 0)
    return line + " · ".join(shown)


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
            final_look(finalized.display_decision, evaluation.decision)
            if finalized
            else VERDICTS[evaluation.decision]
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
            # A critical criterion decided it: say which, not only "blocks the deployment".
            why = evaluation.reason.removeprefix("NO-GO: ") or policy.explanation
            first.append(f" ({why}) · {sections}")
            if running:
                count = len(running)
                first.append(f" · provisional: {count} probe{'s' * (count != 1)} running")
            if stale:
                first.append(f" · {stale} stale")
        second = Text(safe_text(missing_summary(evaluation, running, limit=SUMMARY_CELLS)))
        info = Text("\n", no_wrap=True, overflow="ellipsis").join([first, second])
        if (look, sections, info) == self._shown:
            return  # an update re-lays out the screen: only when something changed
        self._shown = (look, sections, info)
        verdict = self.query_one("#verdict", Static)
        set_state_class(verdict, VERDICT_CLASSES, look.css_class)
        # Both boxes have a fixed size (review.tcss): no need to lay out the screen again.
        verdict.update(Text(f"{look.symbol} {look.word}\n{sections}"), layout=False)
        self.query_one("#decision-info", Static).update(info, layout=False)


__all__ = ["SUMMARY_CELLS", "DecisionBar", "missing_summary"]
