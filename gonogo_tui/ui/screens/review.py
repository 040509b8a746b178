"""The main screen: ten section panels, the detail pane, the decision bar; runs the probes.

State flows one way: probe workers post `ProbeFinished`; handlers and actions write to the
journal first, then `publish()` replays the journal's state through the core's `evaluate`
into an immutable `ReviewSnapshot` that every widget and the other screens render.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from gonogo_tui.core.checklist import Criterion
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import Evaluation, evaluate
from gonogo_tui.core.journal import Finalized, Journal
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.ui.deps import ReviewContext
from gonogo_tui.ui.messages import ProbeFinished
from gonogo_tui.ui.screens.requests import ask_note, ask_tick, ask_waiver
from gonogo_tui.ui.widgets.criterion_row import CriterionRow
from gonogo_tui.ui.widgets.decision_bar import DecisionBar
from gonogo_tui.ui.widgets.detail_pane import DetailPane, DetailView
from gonogo_tui.ui.widgets.header import ReviewHeader
from gonogo_tui.ui.widgets.section_panel import SectionPanel

PROBE_GROUP_PREFIX = "probe:"
"""Worker group of a criterion's probe: `probe:<criterion id>`."""
FINALIZE_GROUP = "finalize"


@dataclass(frozen=True)
class ReviewSnapshot:
    """Everything on screen at one moment; a new one is assigned on every change."""

    evaluation: Evaluation
    running: frozenset[str]
    stale: frozenset[str]
    finalized: Finalized | None
    now: datetime
    remaining: float
    """Seconds left in the meeting (negative: overtime)."""
    revision: int
    """The journal's line count: any entry (a note too) makes a new snapshot."""


class ReviewScreen(Screen[None]):
    """The live review."""

    CSS_PATH = "review.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-single"), (70, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    BINDINGS = [
        Binding("up,k", "move(-1)", "Previous criterion", show=False),
        Binding("down,j", "move(1)", "Next criterion", show=False),
        Binding("left,h", "move_section(-1)", "Previous section", show=False),
        Binding("right,l", "move_section(1)", "Next section", show=False),
        Binding("tab", "move_section(1, True)", "Next section", show=False),
        Binding("shift+tab", "move_section(-1, True)", "Previous section", show=False),
        Binding("r", "rerun_selected", "Rerun", tooltip="Rerun the selected probe"),
        Binding("space", "toggle_tick", "Tick", tooltip="Tick or untick a manual criterion"),
        Binding("w", "waive", "Waive", tooltip="Waive a failing criterion (reason required)"),
        Binding("n", "note", "Note", tooltip="Add a note to the meeting"),
        Binding("f", "finalize", "Finalize", tooltip="Decide and write the decision record"),
        Binding("p", "presenter", "Present", tooltip="Presenter mode for the shared screen"),
        Binding("question_mark", "app.open_help", "Help", tooltip="List every key"),
        Binding("q", "app.quit", "Quit", tooltip="Quit (asks first until finalized)"),
        Binding("s", "rerun_section", "Section", tooltip="Rerun the selected section's probes"),
        Binding("R", "rerun_all", "All", tooltip="Rerun every probe"),
        Binding("g", "walkthrough", "Walk", tooltip="Walkthrough, one section at a time"),
        Binding("d", "toggle_detail", "Detail", show=False, tooltip="Detail pane full screen"),
    ]

    snapshot: var[ReviewSnapshot] = var(None, always_update=False)  # type: ignore[arg-type]
    """What the screen shows; other screens watch it."""
    selected: var[str | None] = var(None)
    """The selected criterion's id."""

    def __init__(self, ctx: ReviewContext, journal: Journal, *, probe_ids: Iterable[str]) -> None:
        super().__init__()
        self.ctx = ctx
        self.journal = journal
        self._opened_at = ctx.clock()
        self._probe_ids_on_open = tuple(probe_ids)
        self._running_ids: set[str] = set()
        self._tokens: dict[str, int] = {}
        self._worker_tokens: dict[Worker[None], tuple[str, int]] = {}
        self._token_counter = itertools.count(1)
        self._idle = asyncio.Event()
        self._idle.set()
        self._draw_pending = False
        self._dirty: set[str] | None = None
        self._row_widgets: dict[str, CriterionRow] = {}
        self._order = [c.id for _, c in ctx.checklist.criteria()]
        self._probed = [c.id for _, c in ctx.checklist.criteria() if not c.is_manual]
        self.set_reactive(ReviewScreen.snapshot, self._build_snapshot())
        self.set_reactive(ReviewScreen.selected, self._order[0] if self._order else None)

    def compose(self) -> ComposeResult:
        ctx = self.ctx
        yield ReviewHeader(
            title=ctx.checklist.title,
            release=ctx.release or ctx.checklist.release,
            operator=ctx.operator,
        )
        with VerticalScroll(id="sections"), Grid(id="section-grid"):
            for number, section in enumerate(ctx.checklist.sections, start=1):
                yield SectionPanel(section, number)
        yield DetailPane(id="detail")
        yield DecisionBar(id="decision-bar")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.publish()
        self._show(self.snapshot)
        self._show_selection(None, self.selected)
        self.set_interval(1.0, self._tick)
        self.start_probes(self._probe_ids_on_open)
        if self.journal.state.pending is not None:
            self.action_finalize()  # a crash interrupted writing the record: complete it

    @property
    def running(self) -> frozenset[str]:
        """Criteria whose probe is running."""
        return frozenset(self._running_ids)

    @property
    def finalized(self) -> bool:
        """Whether a decision record was written in this session."""
        return self.journal.state.finalized is not None

    # State: journal first, then publish.

    def _build_snapshot(self) -> ReviewSnapshot:
        state = self.journal.state
        now = self.ctx.clock()
        evaluation = evaluate(self.ctx.checklist, state.results, state.ticks, state.waivers)
        stale = state.stale_ids(now, self.ctx.checklist.defaults.stale_after)
        remaining = self.ctx.duration - (now - self._opened_at).total_seconds()
        return ReviewSnapshot(
            evaluation,
            frozenset(self._running_ids),
            frozenset(stale),
            state.finalized,
            now,
            remaining,
            self.journal.entries,
        )

    def publish(self, changed: Iterable[str] | None = None) -> None:
        """Recompute the evaluation from the journal's state and show it.

        Args:
            changed: the criteria whose rows may look different; None redraws every row
                (the once-a-second tick: ages and staleness move on).
        """
        if changed is None or self._dirty is None:
            self._dirty = None
        else:
            self._dirty.update(changed)
        if self._running_ids:
            self._idle.clear()
        else:
            self._idle.set()
        self.snapshot = self._build_snapshot()

    def watch_snapshot(self) -> None:
        # Results arrive in bursts; draw once after the queued messages, not once per result.
        if self.is_mounted and not self._draw_pending:
            self._draw_pending = True
            self.call_later(self._draw)

    def _draw(self) -> None:
        self._draw_pending = False
        self._show(self.snapshot)

    def _show(self, snapshot: ReviewSnapshot) -> None:
        evaluation = snapshot.evaluation
        dirty, self._dirty = self._dirty, set()
        for panel, outcome in zip(self.query(SectionPanel), evaluation.sections, strict=True):
            if dirty is None or not dirty.isdisjoint(panel.rows):
                panel.show(
                    outcome, running=snapshot.running, stale=snapshot.stale, now=snapshot.now
                )
        done = sum(
            1
            for cid in self._probed
            if cid in self.journal.state.results and cid not in snapshot.running
        )
        header = self.query_one(ReviewHeader)
        header.show_progress(done, len(self._probed), len(snapshot.running))
        header.show_countdown(snapshot.remaining)
        self.query_one(DecisionBar).show(
            evaluation,
            running=snapshot.running,
            stale=len(snapshot.stale),
            finalized=snapshot.finalized,
        )
        self._show_detail()

    def _tick(self) -> None:
        """Once a second: the countdown, result ages and staleness move on."""
        self.publish()

    # Probes.

    def start_probes(self, criterion_ids: Iterable[str]) -> int:
        """Start (or restart) the probes of these criteria in background workers.

        Returns:
            How many probes started (manual criteria are skipped).
        """
        started = 0
        ids = list(dict.fromkeys(criterion_ids))
        self.ctx.runner.announce(self.ctx.checklist.criterion(cid) for cid in ids)
        for cid in ids:
            criterion = self.ctx.checklist.criterion(cid)
            if criterion.is_manual:
                continue
            token = next(self._token_counter)
            self._tokens[cid] = token
            self._running_ids.add(cid)
            worker = self.run_worker(
                self._probe(criterion, token),
                name=cid,
                group=f"{PROBE_GROUP_PREFIX}{cid}",
                description=f"probe {cid}",
                exclusive=True,
                exit_on_error=False,
            )
            self._worker_tokens[worker] = (cid, token)
            started += 1
        if started:
            self.publish(self._tokens)
        return started

    async def _probe(self, criterion: Criterion, token: int) -> None:
        result = await self.ctx.runner.run(criterion)
        self.post_message(ProbeFinished(result, token))

    async def wait_for_probes(self) -> None:
        """Return once no probe is running."""
        await self._idle.wait()

    @on(ProbeFinished)
    def _record_result(self, message: ProbeFinished) -> None:
        result = message.result
        cid = result.criterion_id
        try:
            self.journal.record_result(result)
        except EvidenceError as exc:
            self.journal.state.add_result(result)
            self.notify(f"Journal not written: {exc}", severity="error", timeout=10)
        if self._tokens.get(cid) == message.run_token:
            del self._tokens[cid]
            self._running_ids.discard(cid)
        self.publish([cid])

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        owner = self._worker_tokens.pop(worker, None)
        if event.state is WorkerState.ERROR:
            if owner is not None:
                self._probe_crashed(*owner, worker.error)
            else:
                self.notify(f"{worker.name} failed: {worker.error}", severity="error", timeout=10)

    def _probe_crashed(self, cid: str, token: int, error: BaseException | None) -> None:
        """A worker that raised instead of returning a result still ends as a result."""
        criterion = self.ctx.checklist.criterion(cid)
        now = self.ctx.clock()
        self.log.error(f"probe worker {cid} raised {error!r}")
        self.post_message(
            ProbeFinished(
                ProbeResult(
                    criterion_id=cid,
                    status=Status.ERROR,
                    value="",
                    expected=criterion.probe.expectation() if criterion.probe else "",
                    source=criterion.probe.source() if criterion.probe else "",
                    detail=f"internal error: {type(error).__name__}: {error}",
                    started_at=now,
                    duration_ms=0.0,
                ),
                token,
            )
        )

    async def stop_probes(self, timeout: float = 3.0) -> None:
        """Cancel every running probe and wait (up to `timeout`) for them to clean up."""
        workers = [w for w in self.workers if w.group.startswith(PROBE_GROUP_PREFIX)]
        for worker in workers:
            worker.cancel()
        try:
            async with asyncio.timeout(timeout):
                # A cancelled worker's wait() raises WorkerCancelled: that is the expected end.
                await asyncio.gather(*(w.wait() for w in workers), return_exceptions=True)
        except TimeoutError:
            self.log.warning("probes still cleaning up after cancel")

    # Selection.

    def watch_selected(self, old: str | None, new: str | None) -> None:
        if self.is_mounted:
            self._show_selection(old, new)

    def _rows(self) -> dict[str, CriterionRow]:
        if not self._row_widgets:
            self._row_widgets = {row.criterion_id: row for row in self.query(CriterionRow)}
        return self._row_widgets

    def _show_selection(self, old: str | None, new: str | None) -> None:
        rows = self._rows()
        if old is not None and old in rows:
            rows[old].remove_class("-selected")
        if new is not None and new in rows:
            rows[new].add_class("-selected")
            self.query_one("#sections", VerticalScroll).scroll_to_widget(rows[new], animate=False)
        self._show_detail()

    def _show_detail(self) -> None:
        pane = self.query_one(DetailPane)
        cid = self.selected
        if cid is None:
            pane.show(None)
            return
        snapshot = self.snapshot
        outcome = snapshot.evaluation.outcome(cid)
        section = self.ctx.checklist.section_of(cid)
        number = self.ctx.checklist.sections.index(section) + 1
        state = self.journal.state
        pane.show(
            DetailView(
                section_number=number,
                section_title=section.title,
                outcome=outcome,
                runs=tuple(state.runs.get(cid, ())),
                notes=tuple(n for n in state.notes if n.criterion_id == cid),
                running=cid in snapshot.running,
                stale=cid in snapshot.stale,
                stale_after=self.ctx.checklist.defaults.stale_after,
                timeout=None
                if outcome.criterion.is_manual
                else self.ctx.runner.timeout_for(outcome.criterion),
                now=snapshot.now,
            )
        )

    @on(CriterionRow.Clicked)
    def _row_clicked(self, message: CriterionRow.Clicked) -> None:
        self.selected = message.criterion_id

    def action_move(self, delta: int) -> None:
        if self.selected is None:
            return
        index = self._order.index(self.selected) + delta
        self.selected = self._order[max(0, min(index, len(self._order) - 1))]

    def action_move_section(self, delta: int, wrap: bool = False) -> None:
        if self.selected is None:
            return
        sections = [s for s in self.ctx.checklist.sections if s.criteria]
        current = self.ctx.checklist.section_of(self.selected)
        index = sections.index(current)
        row = [c.id for c in current.criteria].index(self.selected)
        target = index + delta
        if wrap:
            target %= len(sections)
        target = max(0, min(target, len(sections) - 1))
        criteria = sections[target].criteria
        self.selected = criteria[min(row, len(criteria) - 1)].id

    # Operator actions.

    def _selected_criterion(self) -> Criterion | None:
        return self.ctx.checklist.criterion(self.selected) if self.selected else None

    def action_rerun_selected(self) -> None:
        criterion = self._selected_criterion()
        if criterion is None:
            return
        if criterion.is_manual:
            self.notify(f"{criterion.id} is manual: space ticks it.", severity="warning")
            return
        self.start_probes([criterion.id])

    def action_rerun_section(self) -> None:
        if self.selected is not None:
            section = self.ctx.checklist.section_of(self.selected)
            self.start_probes(c.id for c in section.criteria)

    def action_rerun_all(self) -> None:
        self.start_probes(self._probed)

    def action_toggle_tick(self) -> None:
        if self.selected is not None:
            self.request_tick(self.selected)

    def request_tick(self, cid: str) -> None:
        """Tick a manual criterion (asking for an optional note) or untick it."""
        ask_tick(self, cid)

    def action_waive(self) -> None:
        if self.selected is not None:
            self.request_waiver(self.selected)

    def request_waiver(self, cid: str) -> None:
        """Waive a criterion that is not passing (a reason is required), or lift a waiver."""
        ask_waiver(self, cid)

    def action_note(self) -> None:
        ask_note(self)

    def action_toggle_detail(self) -> None:
        if self.maximized is not None:
            self.minimize()
        else:
            self.maximize(self.query_one(DetailPane), container=False)

    def action_presenter(self) -> None:
        from gonogo_tui.ui.screens.presenter import PresenterScreen

        self.app.push_screen(PresenterScreen(self))

    def action_walkthrough(self) -> None:
        from gonogo_tui.ui.screens.walkthrough import WalkthroughScreen

        self.app.push_screen(WalkthroughScreen(self))

    def action_finalize(self) -> None:
        from gonogo_tui.ui.screens.finalize_flow import finalize_meeting

        self.run_worker(
            finalize_meeting(self), group=FINALIZE_GROUP, exclusive=True, exit_on_error=False
        )


__all__ = ["FINALIZE_GROUP", "PROBE_GROUP_PREFIX", "ReviewScreen", "ReviewSnapshot"]
