"""The always-visible decision bar: what the room sees now (WAITING or the policy's decision),
sections GO, and what blocks GO, failures first."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from gonogo_tui.core.blockers import (
    Blocker,
    BlockerKind,
    RoomView,
    blockers,
    critical_titles,
    room_view,
    waiting_for,
)
from gonogo_tui.core.evaluation import Evaluation
from gonogo_tui.core.journal import Finalized
from gonogo_tui.core.waivers import count_text, waived, waiver_text
from gonogo_tui.ui.looks import (
    VERDICT_CLASSES,
    VERDICTS,
    VerdictLook,
    final_look,
    live_look,
    safe_text,
    set_state_class,
)

SUMMARY_CELLS = 1000
"""The blockers line stops after this many characters when the bar's width is not known yet:
wider than any terminal, and a thousand failing criteria would otherwise make a line of
20,000 characters to escape and lay out on every change."""


def blockers_summary(
    evaluation: Evaluation, running: Collection[str] = (), *, limit: int | None = None
) -> str:
    """`Blocks GO: HSTS max-age 86400 (needs >= 15552000) · Grafana cannot measure · 5 ticks`:
    failures and errors by title, then ticks and probes counted (core `blockers`).

    With `limit`, only the items that fit in that many characters are shown, then `+N more`;
    the first failure is always named, its title cut first to fit.
    """
    found = blockers(evaluation, running)
    named = [b for b in found if b.kind in (BlockerKind.FAIL, BlockerKind.ERROR)]
    counted = waiting_for(found)
    objections = [
        f"{s.section.title}: owner objects ({s.objection})"
        for s in evaluation.sections
        if s.objection is not None
    ]
    items: list[Blocker | str] = [*objections, *named, *(counted.split(", ") if counted else ())]
    items += [f"{s.section.title} has no criteria" for s in evaluation.sections if not s.criteria]
    if not items:
        found_waived = waived(evaluation)
        if found_waived:
            listed = " · ".join(waiver_text(outcome) for outcome in found_waived)
            return safe_text(f"Nothing blocks GO · {listed}", keep_newlines=False)
        return "Nothing blocks GO: every criterion is PASS or WAIVED."
    head = "Blocks GO: "
    shown: list[str] = []
    length = len(head)
    for number, item in enumerate(items):
        text = _item_text(item)
        left = len(items) - number - 1
        tail = len(f" · +{left} more") if left else 0
        step = len(text) + (3 if shown else 0)
        if limit is not None and length + step + tail > limit:
            if shown:
                return head + " · ".join(shown) + f" · +{len(items) - number} more"
            room = limit - length - tail
            if isinstance(item, Blocker):
                text = safe_text(item.short_within(room), keep_newlines=False)
        shown.append(text)
        length += len(text) + (3 if len(shown) > 1 else 0)
    return head + " · ".join(shown)


def _item_text(item: Blocker | str) -> str:
    return safe_text(item.short if isinstance(item, Blocker) else item, keep_newlines=False)


class DecisionBar(Horizontal):
    """The verdict on the left (`-waiting`, `-go`, `-review`, `-no-go`, `-override`),
    reasons beside it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[object, ...] = ()
        self._last: tuple[Evaluation, Collection[str], int, Finalized | None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="verdict", markup=False)
        yield Static(id="decision-info", markup=False)

    def on_resize(self, event: events.Resize) -> None:
        # How many blockers fit depends on the width: fill the line again.
        if self._last is not None:
            evaluation, running, stale, finalized = self._last
            self.show(evaluation, running=running, stale=stale, finalized=finalized)

    def show(
        self,
        evaluation: Evaluation,
        *,
        running: Collection[str],
        stale: int,
        finalized: Finalized | None,
    ) -> None:
        """Show what the room sees now, or the recorded decision once finalized."""
        self._last = (evaluation, running, stale, finalized)
        view = room_view(evaluation, running)
        look = (
            final_look(finalized.display_decision, evaluation.decision)
            if finalized
            else live_look(view.standing)
        )
        sections = f"{evaluation.sections_go}/{evaluation.sections_total} sections GO"
        waivers = len(waived(evaluation))
        # `GO · 1 waiver`: a waiver never hides behind a plain verdict.
        with_waivers = f" · {count_text(waivers)}" if waivers else ""
        width = self.query_one("#decision-info", Static).content_size.width
        first = _first_line(evaluation, view, look, finalized, running, stale, with_waivers)
        if with_waivers and width > 0 and first.cell_len > width:
            # Cut: why it is NO-GO (a critical criterion's title) matters more than the
            # waiver count, which goes after it (`NO-GO (critical: Database backup) · 1 waiver`).
            first = _first_line(
                evaluation, view, look, finalized, running, stale, with_waivers, late=True
            )
        limit = width if width > 0 else SUMMARY_CELLS
        summary = blockers_summary(evaluation, running, limit=limit)
        if finalized is not None and summary.startswith("Blocks GO: "):
            # The decision is taken: what stood against GO is what it was decided over.
            summary = "Decided over: " + summary.removeprefix("Blocks GO: ")
        second = Text(summary)
        info = Text("\n", no_wrap=True, overflow="ellipsis").join([first, second])
        if (look, sections, info) == self._shown:
            return  # an update re-lays out the screen: only when something changed
        self._shown = (look, sections, info)
        verdict = self.query_one("#verdict", Static)
        set_state_class(verdict, VERDICT_CLASSES, look.css_class)
        # Both boxes have a fixed size (review.tcss): no need to lay out the screen again.
        verdict.update(Text(f"{look.symbol} {look.word}\n{sections}"), layout=False)
        self.query_one("#decision-info", Static).update(info, layout=False)


def _first_line(
    evaluation: Evaluation,
    view: RoomView,
    look: VerdictLook,
    finalized: Finalized | None,
    running: Collection[str],
    stale: int,
    with_waivers: str,
    *,
    late: bool = False,
) -> Text:
    """The decision bar's first line; `late` (it is cut): the waiver count after the reason,
    not in the bold head, and the head shorter, so that the reason keeps its cells."""
    head_waivers, after_why = ("", with_waivers) if late else (with_waivers, "")
    sections = f"{evaluation.sections_go}/{evaluation.sections_total} sections GO"
    first = Text(no_wrap=True, overflow="ellipsis")
    if finalized is not None:
        first.append(f"FINAL: {look.word}{head_waivers}", style="bold")
        first.append(
            f" ({look.explanation}){after_why} · recorded by {safe_text(finalized.operator)}"
        )
        first.append(
            f" in {Path(finalized.paths[0]).name if finalized.paths else finalized.record_id}"
        )
    elif view.waiting:
        first.append(f"WAITING · {view.waits_for}{with_waivers}", style="bold")
        first.append(f" · {sections} · nothing has failed")
        if stale:
            first.append(f" · {stale} stale")
    else:
        policy = VERDICTS[evaluation.decision]
        lead = "Policy" if late else "Decision by the policy"  # cut: the reason's cells
        first.append(f"{lead}: {policy.word}{head_waivers}", style="bold")
        # A critical criterion decided it: say which, by title, not only "blocks the
        # deployment" (the record keeps the ids: `critical criterion backup failed`).
        why = safe_text(critical_titles(evaluation), keep_newlines=False) or policy.explanation
        first.append(f" ({why}){after_why} · {sections}")
        if running:
            count = len(running)
            first.append(f" · provisional: {count} probe{'s' * (count != 1)} running")
        if stale:
            first.append(f" · {stale} stale")
    return first


__all__ = ["SUMMARY_CELLS", "DecisionBar", "blockers_summary"]
