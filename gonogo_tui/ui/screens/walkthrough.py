"""The walkthrough: one section at a time, what needs attention first, a summary at the end.

In each section FAIL, ERROR, manual ticks waiting and stale results come first, in full;
what passes folds to one line (`e` unfolds it), and `a` skips to the next section that
needs attention.

It takes the `ReviewSession` and follows its snapshots; ticks, waivers and reruns go to the
session, so every tick is in the journal the meeting resumes from. The summary is written by
the core into `evidence/walkthrough_YYYYmmdd_HHMMSS.md`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer, Markdown, ProgressBar, Static

from gonogo_tui.core.evaluation import CriterionOutcome, SectionOutcome
from gonogo_tui.core.evaluation_export import criterion_detail
from gonogo_tui.core.path_to_go import attention_order, needs_attention
from gonogo_tui.ui.looks import (
    PANEL_LABELS,
    ROW_CLASSES,
    SYMBOLS,
    WEIGHT_MARKS,
    WORDS,
    panel_counts,
    panel_state,
    safe_text,
    set_state_class,
)
from gonogo_tui.ui.screens.follow import follow_snapshots
from gonogo_tui.ui.screens.requests import ask_tick, ask_waiver
from gonogo_tui.ui.session import ReviewSession, ReviewSnapshot
from gonogo_tui.ui.session_summary import write_session_summary
from gonogo_tui.ui.widgets.criterion_row import RowView
from gonogo_tui.ui.widgets.detail_pane import DetailView, detail_text

FULL, SELECTED_FULL, ALL_COMPACT = 0, 1, 2
"""How the criteria needing attention show: all in full; only the selected one in full; all
compact (status, title, value, detail). Each time the section is drawn it starts in full and
steps down until every criterion needing attention is on its first screen (80x24: all
compact); `e` shows one in full."""


def compact_card(outcome: CriterionOutcome, view: RowView) -> Text:
    """Status, title, value and detail: a criterion needing attention on a short screen."""
    text = Text()
    text.append(f"{SYMBOLS[view.state]} {WORDS[view.state]}  ", style="bold")
    text.append(weight_label(view))
    text.append(view.title)
    detail = safe_text(criterion_detail(outcome), keep_newlines=False)
    if view.value and view.value != detail:  # an ERROR's value is its detail
        text.append(f"\nValue     {view.value}")
    if detail:
        text.append(f"\nDetail    {detail[:200]}")
    return text


def weight_label(view: RowView) -> Text:
    """`◆ critical ` or `◇ advisory ` before a card's title (the full card's detail says it
    in words too), or nothing."""
    if not view.weight:
        return Text()
    style = "bold" if view.weight == "critical" else "italic"  # the card's rich Text: no $vars
    return Text(f"{WEIGHT_MARKS[view.weight]} {view.weight}  ", style=style)


class WalkthroughCard(Static):
    """One criterion: in full when it needs attention or was unfolded, else one line.

    The cards are slots in the section's attention order: a tick or a new result reorders
    the section, and the card at a position then shows another criterion.
    """

    def __init__(self, criterion_id: str) -> None:
        super().__init__(classes="walkthrough-card", markup=False)
        self.criterion_id = criterion_id


class WalkthroughScreen(Screen[None]):
    """Section N of 10, in order; `enter` moves on, the last step writes the summary."""

    CSS_PATH = "walkthrough.tcss"
    BINDINGS = [
        Binding("up,k", "move(-1)", "Previous criterion", show=False),
        Binding("down,j", "move(1)", "Next criterion", show=False),
        Binding("enter,right,l", "section(1)", "Next section"),
        Binding("left,h,b", "section(-1)", "Previous section"),
        Binding("a", "next_attention", "Next needing attention"),
        Binding("e", "toggle_fold", "Unfold / fold", show=False),
        Binding("space", "tick", "Tick"),
        Binding("w", "waive", "Waive"),
        Binding("r", "rerun", "Rerun"),
        Binding("s", "rerun_section", "Rerun section"),
        Binding("escape", "leave", "Back to the review"),
        Binding("question_mark", "app.open_help", "Help"),
    ]

    index: var[int] = var(0)
    """The section shown; `len(sections)` is the summary."""
    row: var[int] = var(0)
    """The selected criterion within the section."""

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self.sections = session.ctx.checklist.sections
        self.summary_path: Path | None = None
        self.unfolded: set[str] = set()
        """Passing criteria unfolded with `e`."""
        self._compaction = FULL
        self._unsubscribe: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="walkthrough-progress", markup=False)
        yield ProgressBar(
            total=len(self.sections), show_eta=False, show_percentage=False, id="walkthrough-bar"
        )
        yield Static(id="walkthrough-section", markup=False)
        # Not focusable: ↑/↓ select a criterion (the screen's bindings) instead of scrolling.
        yield VerticalScroll(id="walkthrough-cards", can_focus=False)
        yield Markdown(id="walkthrough-summary")
        yield Footer()

    async def on_mount(self) -> None:
        self.query_one("#walkthrough-summary").display = False
        await self._build_cards()
        self._unsubscribe = follow_snapshots(self, self.session, self._show)

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    @property
    def on_summary(self) -> bool:
        """Whether the summary is showing."""
        return self.index >= len(self.sections)

    async def watch_index(self) -> None:
        if not self.is_mounted:
            return
        self.row = 0
        await self._build_cards()
        if self.on_summary:
            self._write_summary()
        self._show(self.session.snapshot)

    def watch_row(self) -> None:
        if self.is_mounted:
            self._show(self.session.snapshot)

    async def _build_cards(self) -> None:
        cards = self.query_one("#walkthrough-cards", VerticalScroll)
        await cards.remove_children()
        if not self.on_summary:
            await cards.mount_all(WalkthroughCard(c.id) for c in self.sections[self.index].criteria)

    def _order(self, snapshot: ReviewSnapshot) -> tuple[CriterionOutcome, ...]:
        return attention_order(snapshot.evaluation.sections[self.index], snapshot.stale)

    def _show(self, snapshot: ReviewSnapshot) -> None:
        total = len(self.sections)
        bar = self.query_one("#walkthrough-bar", ProgressBar)
        bar.update(progress=min(self.index + (1 if not self.on_summary else 0), total))
        summary = self.query_one("#walkthrough-summary", Markdown)
        summary.display = self.on_summary
        self.query_one("#walkthrough-cards").display = not self.on_summary
        if self.on_summary:
            decision = snapshot.evaluation.decision.value
            self._header(f"Walkthrough · summary · decision if the meeting were now: {decision}")
            where = f"Saved as {self.summary_path}" if self.summary_path else "Not saved"
            self.query_one("#walkthrough-section", Static).update(
                Text(f"{where}. enter: back to the review · ←: previous section")
            )
            return
        outcome = snapshot.evaluation.sections[self.index]
        section = outcome.section
        state = panel_state(outcome, snapshot.running)
        self._header(
            f"Walkthrough · section {self.index + 1} of {total} · {safe_text(section.title)} · "
            f"{PANEL_LABELS[state]} {panel_counts(outcome)}"
        )
        self.query_one("#walkthrough-section", Static).update(self._section_info(outcome, snapshot))
        self._compaction = FULL
        while True:
            for position, (card, criterion_outcome) in enumerate(
                zip(self.query(WalkthroughCard), self._order(snapshot), strict=False)
            ):
                card.criterion_id = criterion_outcome.criterion.id
                self._show_card(card, criterion_outcome, snapshot, selected=position == self.row)
            if self._compaction == ALL_COMPACT or self._attention_fits():
                break
            self._compaction += 1

    def _section_info(self, outcome: SectionOutcome, snapshot: ReviewSnapshot) -> Text:
        section = outcome.section
        info = Text()
        info.append("Requirement: ", style="bold")
        info.append(safe_text(section.requirement or "-"))
        if section.owner_label:
            info.append(f"   Owner: {safe_text(section.owner_label)}")
        if not needs_attention(outcome, snapshot.stale):
            info.append(
                f"\n✔ GO: all {len(outcome.criteria)} criteria pass, nothing needs attention. "
                "a: next section needing attention.",
                style="bold",
            )
            return info
        manual = [c for c in outcome.criteria if c.criterion.is_manual and c.tick is None]
        if manual:
            info.append(f"\n{len(manual)} manual tick{'s' * (len(manual) != 1)} to settle: ")
            info.append("select with ↑/↓, space ticks.")
        folded = sum(1 for c in outcome.criteria if self._folded(c, snapshot))
        if folded:
            info.append(f"\n{folded} passing folded below; e shows the selected criterion in full.")
        return info

    def _folded(self, outcome: CriterionOutcome, snapshot: ReviewSnapshot) -> bool:
        cid = outcome.criterion.id
        return outcome.passed and cid not in snapshot.stale and cid not in self.unfolded

    def _header(self, text: str) -> None:
        self.query_one("#walkthrough-progress", Static).update(
            Text(text, no_wrap=True, overflow="ellipsis")
        )

    def _show_card(
        self,
        card: WalkthroughCard,
        outcome: CriterionOutcome,
        snapshot: ReviewSnapshot,
        *,
        selected: bool,
    ) -> None:
        cid = outcome.criterion.id
        running = cid in snapshot.running
        view = RowView.of(outcome, running=running, stale=cid in snapshot.stale, now=snapshot.now)
        set_state_class(card, ROW_CLASSES, f"-{view.state.value}")
        card.set_class(selected, "-selected")
        folded = self._folded(outcome, snapshot)
        card.set_class(folded, "-folded")
        compaction = self._compaction
        compact = compaction == ALL_COMPACT or (compaction == SELECTED_FULL and not selected)
        if not folded and compact and cid not in self.unfolded:
            card.update(compact_card(outcome, view))
        elif folded:
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(f"{SYMBOLS[view.state]} {WORDS[view.state]}  ", style="bold")
            line.append(weight_label(view))
            line.append(view.title)
            if view.value:
                line.append(f"   {view.value}", style="dim")
            card.update(line)
        else:
            card.update(
                detail_text(
                    DetailView(
                        section_number=self.index + 1,
                        section_title=self.sections[self.index].title,
                        outcome=outcome,
                        runs=self.session.runs_of(cid),
                        notes=self.session.notes_about(cid),
                        running=running,
                        stale=cid in snapshot.stale,
                        stale_after=self.session.ctx.checklist.defaults.stale_after,
                        timeout=None,
                        now=snapshot.now,
                    ),
                    with_output=False,
                )
            )
        if selected:
            self.query_one("#walkthrough-cards", VerticalScroll).scroll_to_widget(
                card, animate=False
            )

    def on_resize(self) -> None:
        if self.is_mounted:
            self._show(self.session.snapshot)

    def _attention_fits(self) -> bool:
        """Whether the criteria needing attention, as now rendered, fit on the section's first
        screen (heights computed from their content at the cards' width, not estimated)."""
        cards = self.query_one("#walkthrough-cards", VerticalScroll)
        shown = list(self.query(WalkthroughCard))
        if not shown:
            return True
        width = shown[0].content_region.width
        if width <= 0:  # not laid out yet: measured once it is
            self.call_after_refresh(self._show, self.session.snapshot)
            return True
        needed = 0
        for card in shown:
            if not card.has_class("-folded"):
                needed += card.get_content_height(cards.size, self.size, width) + 1
        return needed <= cards.content_region.height

    def _write_summary(self) -> None:
        summary = write_session_summary(self.session)
        self.query_one("#walkthrough-summary", Markdown).update(summary.text)
        self.summary_path = summary.path
        if summary.path is None:
            self.notify(f"Summary not saved: {summary.error}", severity="error", timeout=10)
            return
        self.notify(f"Walkthrough summary saved: {summary.path}")

    def _selected_id(self) -> str | None:
        if self.on_summary:
            return None
        order = self._order(self.session.snapshot)
        return order[self.row].criterion.id if order else None

    def action_move(self, delta: int) -> None:
        if not self.on_summary:
            count = len(self.sections[self.index].criteria)
            self.row = max(0, min(self.row + delta, count - 1))

    def action_section(self, delta: int) -> None:
        if self.on_summary and delta > 0:
            self.action_leave()
            return
        self.index = max(0, min(self.index + delta, len(self.sections)))

    def action_next_attention(self) -> None:
        """The next section that needs attention, else the summary."""
        snapshot = self.session.snapshot
        for section in snapshot.evaluation.sections[self.index + 1 :]:
            if needs_attention(section, snapshot.stale):
                self.index = section.number - 1
                return
        self.index = len(self.sections)

    def action_toggle_fold(self) -> None:
        """Show the selected criterion in full (a passing one, or any on a short screen), or
        fold it again."""
        cid = self._selected_id()
        if cid is not None:
            self.unfolded ^= {cid}
            self._show(self.session.snapshot)

    def action_tick(self) -> None:
        cid = self._selected_id()
        if cid is not None:
            ask_tick(self, self.session, cid)

    def action_waive(self) -> None:
        cid = self._selected_id()
        if cid is not None:
            ask_waiver(self, self.session, cid)

    def action_rerun(self) -> None:
        cid = self._selected_id()
        if cid is not None:
            self.session.start_probes([cid])

    def action_rerun_section(self) -> None:
        if not self.on_summary:
            self.session.start_probes(c.id for c in self.sections[self.index].criteria)

    def action_leave(self) -> None:
        self.app.pop_screen()


__all__ = ["WalkthroughCard", "WalkthroughScreen", "compact_card"]
