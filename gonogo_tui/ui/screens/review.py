"""The main screen: ten section panels, the detail pane, the decision bar.

It shows a `ReviewSession` and collects the operator's input: the session journals each
change first, then publishes an immutable `ReviewSnapshot` that this screen (and the
walkthrough and presenter, which take the session too) render. Probe runs start as
workers of the hidden `ProbeWorkers`.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from gonogo_tui.core.journal import Journal
from gonogo_tui.ui.deps import ReviewContext
from gonogo_tui.ui.navigation import criterion_after, criterion_beside, first_of_section
from gonogo_tui.ui.screens.finalize_flow import finalize_meeting
from gonogo_tui.ui.screens.poll import open_poll
from gonogo_tui.ui.screens.presenter import PresenterScreen
from gonogo_tui.ui.screens.requests import ask_note, ask_tick, ask_waiver
from gonogo_tui.ui.screens.review_parts import ChangedFilter, detail_view, release_of
from gonogo_tui.ui.screens.walkthrough import WalkthroughScreen
from gonogo_tui.ui.session import ReviewSession, ReviewSnapshot
from gonogo_tui.ui.widgets.criterion_row import CriterionRow
from gonogo_tui.ui.widgets.decision_bar import DecisionBar
from gonogo_tui.ui.widgets.detail_pane import DetailPane
from gonogo_tui.ui.widgets.header import ReviewHeader
from gonogo_tui.ui.widgets.probe_workers import PROBE_GROUP_PREFIX, ProbeWorkers
from gonogo_tui.ui.widgets.section_panel import SectionPanel, show_agenda
from gonogo_tui.ui.widgets.section_parking import SectionParking

FINALIZE_GROUP = "finalize"
PAGE_CRITERIA = 10
SCROLLS_DETAIL = "With the detail full screen (d): scroll it"
"""`pgup`/`pgdn` move this many criteria (`home`/`end` more); with the detail full screen
they page through it instead."""
CHANGED = "Show only the criteria that changed since the last GO (again: all)"
"""`c`, not in the footer (full at 120 columns): the help and the palette list it."""


class ReviewScreen(Screen[None]):
    """The live review of a `ReviewSession`."""

    CSS_PATH = "review.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-single"), (70, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    BINDINGS = [
        # One footer entry stands for all the moving keys; the help screen lists each.
        Binding("up,k", "move(-1)", "Previous criterion", show=False),
        Binding("down,j", "move(1)", "Move", key_display="↑↓←→ tab", tooltip="Next criterion"),
        Binding("left,h", "move_section(-1)", "Same row, previous section", show=False),
        Binding("right,l", "move_section(1)", "Same row, next section", show=False),
        Binding("tab", "move_section(1, True)", "Next section", show=False),
        Binding("shift+tab", "move_section(-1, True)", "Previous section", show=False),
        Binding("pageup", "move(-10)", "Ten criteria up", show=False, tooltip=SCROLLS_DETAIL),
        Binding("pagedown", "move(10)", "Ten criteria down", show=False, tooltip=SCROLLS_DETAIL),
        Binding("home", "move(-1_000_000)", "First criterion", show=False, tooltip=SCROLLS_DETAIL),
        Binding("end", "move(1_000_000)", "Last criterion", show=False, tooltip=SCROLLS_DETAIL),
        # Shown in this order: a narrow footer keeps the first ones (`?` lists every key).
        Binding("space", "toggle_tick", "Tick", tooltip="Tick or untick a manual criterion"),
        Binding("w", "waive", "Waive", tooltip="Waive a failing criterion (reason required)"),
        Binding("f", "finalize", "Finalize", tooltip="Decide and write the decision record"),
        Binding("f", "sign", "Sign", tooltip="Collect the approvers' signatures on the record"),
        Binding("question_mark", "app.open_help", "Help", tooltip="List every key"),
        Binding("q", "app.quit", "Quit", tooltip="Quit (asks first until finalized)"),
        Binding("r", "rerun_selected", "Rerun", tooltip="Rerun the selected probe"),
        Binding("s", "rerun_section", "Section", tooltip="Rerun the selected section's probes"),
        Binding("R", "rerun_all", "All", tooltip="Rerun every probe"),
        Binding("n", "note", "Note", tooltip="Add a note to the meeting"),
        Binding("p", "presenter", "Present", tooltip="Presenter mode for the shared screen"),
        Binding("g", "walkthrough", "Walk", tooltip="Walkthrough, one section at a time"),
        Binding("v", "poll", "Poll", show=False, tooltip="Poll the section owners, one at a time"),
        Binding("d", "toggle_detail", "Detail", show=False, tooltip="Detail pane full screen"),
        Binding("c", "changed_only", "Changed since last GO", show=False, tooltip=CHANGED),
    ]

    snapshot: var[ReviewSnapshot] = var(None, always_update=False)  # type: ignore[arg-type]
    """What the screen shows; other screens watch it."""
    selected: var[str | None] = var(None)
    """The selected criterion's id."""
    action_poll = open_poll  # `v`: the poll (core/poll.py), read-only on an attendee's view

    def __init__(self, session: ReviewSession, *, probe_ids: Iterable[str]) -> None:
        super().__init__()
        self.session = session
        self._probe_ids_on_open = tuple(probe_ids)
        self._probe_workers = ProbeWorkers(session)
        self._draw_pending = False
        self._dirty: set[str] | None = None
        self._parking = SectionParking(self, [], lambda: self.selected)
        self._order = session.order
        self.changed = ChangedFilter(session, self._order)
        """`c`: the rows that moved since the last GO only, or all."""
        self._probed = session.probed
        self.set_reactive(ReviewScreen.snapshot, session.snapshot)
        resumed = first_of_section(session.ctx.checklist, session.snapshot.agenda.focused)
        self.set_reactive(ReviewScreen.selected, resumed or next(iter(self._order), None))
        session.subscribe(self._published)

    def compose(self) -> ComposeResult:
        ctx = self.ctx
        yield ReviewHeader(
            title=ctx.checklist.title,
            release=release_of(self.session),
            operator=ctx.operator,
        )
        # Not focusable: a focused scroll container takes the arrow keys for scrolling as
        # soon as the sections overflow the screen, and they must move the selection.
        with VerticalScroll(id="sections", can_focus=False), Grid(id="section-grid"):
            panels = [
                SectionPanel(section, number, past=self.session.past)
                for number, section in enumerate(ctx.checklist.sections, start=1)
            ]
            self._parking = SectionParking(self, panels, lambda: self.selected)
            yield from panels
        yield DetailPane(id="detail")
        yield DecisionBar(id="decision-bar")
        yield Footer(compact=True)
        yield self._probe_workers

    def on_mount(self) -> None:
        self.publish()
        self._show(self.snapshot)
        self._show_selection(None, self.selected)
        self.set_interval(1.0, self._tick)
        # After every layout and scroll: park the panels far from the view, unpark the near.
        self.screen_layout_refresh_signal.subscribe(self, self._parking.follow_view)
        self.watch(self.query_one("#sections"), "scroll_y", self._parking.follow_view, init=False)
        # After the first frame: a probe that times its target (`max_ms`) must not measure
        # Textual drawing the screen (60-80 ms of a 1 ms answer on two cores, then 26-36 ms).
        self.call_after_refresh(self.start_probes, self._probe_ids_on_open)
        if self.journal.state.pending is not None:
            self.action_finalize()  # a crash interrupted writing the record: complete it

    @property
    def ctx(self) -> ReviewContext:
        """The review's dependencies (the session's)."""
        return self.session.ctx

    @property
    def journal(self) -> Journal:
        """The session's journal."""
        return self.session.journal

    @property
    def running(self) -> frozenset[str]:
        """Criteria whose probe is running."""
        return self.session.running

    @property
    def finalized(self) -> bool:
        """Whether a decision record was written in this session."""
        return self.session.finalized

    def publish(self, changed: Iterable[str] | None = None) -> None:
        """Have the session publish a new snapshot (see `ReviewSession.publish`)."""
        self.session.publish(changed)

    def start_probes(self, criterion_ids: Iterable[str]) -> int:
        """Start (or restart) these criteria's probes; returns how many started."""
        return self.session.start_probes(criterion_ids)

    async def stop_probes(self, timeout: float = 3.0) -> None:
        """Cancel every running probe and wait (up to `timeout`) for them to clean up."""
        await self._probe_workers.stop(timeout)

    def _published(self, snapshot: ReviewSnapshot, changed: frozenset[str] | None) -> None:
        if changed is None or self._dirty is None:
            self._dirty = None
        else:
            self._dirty.update(changed)
        self.snapshot = snapshot

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
        for panel, outcome in zip(self._panels, evaluation.sections, strict=True):
            if dirty is None or not dirty.isdisjoint(panel.rows):
                panel.show(
                    outcome, running=snapshot.running, stale=snapshot.stale, now=snapshot.now
                )
        header = self.query_one(ReviewHeader)
        header.show_progress(self.session.measured(), len(self._probed), len(snapshot.running))
        header.show_countdown(snapshot.remaining, snapshot.agenda.current)
        header.show_release(release_of(self.session))
        show_agenda(self._panels, snapshot.agenda)
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

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker  # the finalize worker (probe workers belong to ProbeWorkers)
        if event.state is WorkerState.ERROR:
            self.notify(f"{worker.name} failed: {worker.error}", severity="error", timeout=10)

    # Selection.

    def watch_selected(self, old: str | None, new: str | None) -> None:
        if self.is_mounted:
            self._show_selection(old, new)

    def _show_selection(self, old: str | None, new: str | None) -> None:
        self._parking.show_selection(old, new)
        self._show_detail()
        if new is not None and (error := self.session.focus_on(new)):
            self.notify(error, severity="error")

    @property
    def _panels(self) -> list[SectionPanel]:
        return self._parking.panels

    def _panel_spans(self) -> list[tuple[int, int]]:
        return self._parking.panel_spans()

    def _show_detail(self) -> None:
        cid, pane = self.selected, self.query_one(DetailPane)
        pane.show(None if cid is None else detail_view(self.session, self.snapshot, cid))

    @on(CriterionRow.Clicked)
    def _row_clicked(self, message: CriterionRow.Clicked) -> None:
        self.selected = message.criterion_id

    def action_move(self, delta: int) -> None:
        pane = self.maximized
        if isinstance(pane, DetailPane) and abs(delta) >= PAGE_CRITERIA:
            # Full screen, the paging keys scroll the detail (notes, runs and the output
            # run past the screen, and the pane takes no focus); the arrows still move.
            pane.page(delta, to_end=abs(delta) > PAGE_CRITERIA)
        elif self.selected is not None:
            order = self.changed.order_for(self.selected)  # under `c`: the rows shown
            self.selected = criterion_after(order, self.selected, delta)

    def action_move_section(self, delta: int, wrap: bool = False) -> None:
        if self.selected is not None:
            self.selected = criterion_beside(self.ctx.checklist, self.selected, delta, wrap=wrap)

    # Operator actions.

    def action_rerun_selected(self) -> None:
        if self.selected is None:
            return
        criterion = self.ctx.checklist.criterion(self.selected)
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
        ask_tick(self, self.session, cid)

    def action_waive(self) -> None:
        if self.selected is not None:
            self.request_waiver(self.selected)

    def request_waiver(self, cid: str) -> None:
        """Waive a criterion that is not passing (a reason is required), or lift a waiver."""
        ask_waiver(self, self.session, cid)

    def action_note(self) -> None:
        ask_note(self, self.session, self.selected)

    def action_toggle_detail(self) -> None:
        if self.maximized is not None:
            self.minimize()
        else:
            self.maximize(self.query_one(DetailPane), container=False)

    def action_changed_only(self) -> None:
        notice, severity = self.changed.toggle(self._panels)
        self.notify(notice, severity=severity)
        self.selected = self.changed.keep(self.selected)

    def action_presenter(self) -> None:
        self.app.push_screen(PresenterScreen(self.session))

    def action_walkthrough(self) -> None:
        self.app.push_screen(WalkthroughScreen(self.session))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # `f` finalizes until the record is written, then collects signatures: the footer
        # offers whichever it will do.
        if action == "finalize":
            return not self.finalized
        if action == "sign":
            return self.finalized
        return True

    def action_sign(self) -> None:
        self.action_finalize()

    def action_finalize(self) -> None:
        self.run_worker(
            finalize_meeting(self, self.session),
            group=FINALIZE_GROUP,
            exclusive=True,
            exit_on_error=False,
        )


__all__ = ["FINALIZE_GROUP", "PROBE_GROUP_PREFIX", "ReviewScreen"]
