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

from gonogo_tui.core.checklist import Criterion
from gonogo_tui.core.journal import Journal
from gonogo_tui.ui.deps import ReviewContext
from gonogo_tui.ui.screens.finalize_flow import finalize_meeting
from gonogo_tui.ui.screens.presenter import PresenterScreen
from gonogo_tui.ui.screens.requests import ask_note, ask_tick, ask_waiver
from gonogo_tui.ui.screens.walkthrough import WalkthroughScreen
from gonogo_tui.ui.session import ReviewSession, ReviewSnapshot
from gonogo_tui.ui.widgets.criterion_row import CriterionRow
from gonogo_tui.ui.widgets.decision_bar import DecisionBar
from gonogo_tui.ui.widgets.detail_pane import DetailPane, DetailView
from gonogo_tui.ui.widgets.header import ReviewHeader
from gonogo_tui.ui.widgets.probe_workers import PROBE_GROUP_PREFIX, ProbeWorkers
from gonogo_tui.ui.widgets.section_panel import SectionPanel

FINALIZE_GROUP = "finalize"
PARK_NEAR = 1.0
"""Section panels within this many heights of the view from it are never parked (see
`SectionPanel`): a key that moves a section or two never waits for a panel to unpark."""
PARK_AHEAD = 2.0
"""When a near panel has to unpark, every panel within this many heights of the view does:
scrolling on, the next few keys find their panels ready (each unparking is a layout)."""
PARK_FAR = 2.5
"""Panels further than this many heights from the view park, along with an unparking or
once PARK_BATCH of them are waiting."""
PARK_BATCH = 16
PAGE_CRITERIA = 10
SCROLLS_DETAIL = "With the detail full screen (d): scroll it"
"""`pgup`/`pgdn` move this many criteria (`home`/`end` more); with the detail full screen
they page through it instead."""


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
        # Shown in this order: on a narrow screen the footer keeps the first ones (the help
        # screen, `?`, lists every key).
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
        Binding("d", "toggle_detail", "Detail", show=False, tooltip="Detail pane full screen"),
    ]

    snapshot: var[ReviewSnapshot] = var(None, always_update=False)  # type: ignore[arg-type]
    """What the screen shows; other screens watch it."""
    selected: var[str | None] = var(None)
    """The selected criterion's id."""

    def __init__(self, session: ReviewSession, *, probe_ids: Iterable[str]) -> None:
        super().__init__()
        self.session = session
        self._probe_ids_on_open = tuple(probe_ids)
        self._probe_workers = ProbeWorkers(session)
        self._draw_pending = False
        self._dirty: set[str] | None = None
        self._row_widgets: dict[str, CriterionRow] = {}
        self._panels: list[SectionPanel] = []
        self._panel_of: dict[str, SectionPanel] = {}
        self._short = False
        self._order = session.order
        self._probed = session.probed
        self.set_reactive(ReviewScreen.snapshot, session.snapshot)
        self.set_reactive(ReviewScreen.selected, self._order[0] if self._order else None)
        session.subscribe(self._published)

    def compose(self) -> ComposeResult:
        ctx = self.ctx
        yield ReviewHeader(
            title=ctx.checklist.title,
            release=ctx.release or ctx.checklist.release,
            operator=ctx.operator,
        )
        # Not focusable: a focused scroll container takes the arrow keys for scrolling as
        # soon as the sections overflow the screen, and they must move the selection.
        with VerticalScroll(id="sections", can_focus=False), Grid(id="section-grid"):
            self._panels = [
                SectionPanel(section, number)
                for number, section in enumerate(ctx.checklist.sections, start=1)
            ]
            self._panel_of = {cid: panel for panel in self._panels for cid in panel.rows}
            yield from self._panels
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
        self.screen_layout_refresh_signal.subscribe(self, self._follow_view)
        self.watch(self.query_one("#sections"), "scroll_y", self._scrolled, init=False)
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

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker  # the finalize worker (probe workers belong to ProbeWorkers)
        if event.state is WorkerState.ERROR:
            self.notify(f"{worker.name} failed: {worker.error}", severity="error", timeout=10)

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
            panel = self._panel_of[new]
            if panel.parked:
                # A parked row has no place on the screen yet: scroll once it has one.
                panel.set_live(True)
                self.call_after_refresh(self._scroll_to_selected)
            else:
                panel.set_live(True)
                self._scroll_to_selected()
        self._show_detail()

    def _scrolled(self) -> None:
        self._follow_view()

    def _scroll_to_selected(self) -> None:
        row = self._rows().get(self.selected or "")
        if row is not None and not row.parked:
            self.query_one("#sections", VerticalScroll).scroll_to_widget(row, animate=False)

    def _follow_view(self, _screen: Screen[object] | None = None) -> None:
        """Sort the section panels by their distance from the view (see `SectionPanel`):
        those in view go live. Once a panel near the view (PARK_NEAR) is parked, those up
        to PARK_AHEAD views away unpark and those beyond PARK_FAR park, in one layout.
        Runs when the view scrolls (before the frame) and after every layout."""
        sections = self.query_one("#sections", VerticalScroll)
        height = sections.outer_size.height
        if not height or not self._panels:
            return
        short = self.has_class("-short")
        if short != self._short:  # passing rows fold, or no longer: parked heights change
            self._short = short
            for row in self._rows().values():
                row.set_fold(short)
            for panel in self._panels:
                panel.fit_parked(short=short)
        top = round(sections.scroll_y)
        spans = self._panel_spans()
        keep = self._panel_of.get(self.selected or "")

        def within(panel: SectionPanel, span: tuple[int, int], views: float) -> bool:
            margin = round(height * views)
            return panel is keep or (span[0] < top + height + margin and span[1] > top - margin)

        pairs = list(zip(self._panels, spans, strict=True))
        if any(p.parked and within(p, span, PARK_NEAR) for p, span in pairs) or (
            sum(1 for p, span in pairs if not p.parked and not within(p, span, PARK_FAR))
            >= PARK_BATCH
        ):
            for panel, span in pairs:
                if within(panel, span, PARK_AHEAD):
                    panel.unpark()
                elif not within(panel, span, PARK_FAR):
                    panel.park(short=short)
        for panel, span in pairs:
            if not panel.parked:
                # On short screens a row's state decides whether it takes a line.
                panel.set_live(short or within(panel, span, 0))

    def _panel_spans(self) -> list[tuple[int, int]]:
        """Each panel's first and last line + 1 inside the scrolled grid, from the sizes of
        the last layout and the grid's columns: asking Textual for the panels' regions
        would make it arrange every widget again after each scroll."""
        grid = self.query_one("#section-grid", Grid)
        columns = max(grid.styles.grid_size_columns, 1)
        gutter = grid.styles.grid_gutter_horizontal  # between rows (vertical: columns)
        spans: list[tuple[int, int]] = []
        y = 0
        for start in range(0, len(self._panels), columns):
            heights = [panel.outer_size.height for panel in self._panels[start : start + columns]]
            spans += [(y, y + h) for h in heights]
            y += max(heights) + gutter
        return spans

    def _show_detail(self) -> None:
        pane = self.query_one(DetailPane)
        cid = self.selected
        if cid is None:
            pane.show(None)
            return
        snapshot, checklist = self.snapshot, self.ctx.checklist
        outcome = snapshot.evaluation.outcome(cid)
        section = checklist.section_of(cid)
        pane.show(
            DetailView(
                section_number=checklist.sections.index(section) + 1,
                section_title=section.title,
                outcome=outcome,
                runs=self.session.runs_of(cid),
                notes=self.session.notes_about(cid, general=True),
                running=cid in snapshot.running,
                stale=cid in snapshot.stale,
                stale_after=checklist.defaults.stale_after,
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
        pane = self.maximized
        if isinstance(pane, DetailPane) and abs(delta) >= PAGE_CRITERIA:
            # Full screen, the paging keys scroll the detail (notes, runs and the output
            # run past the screen, and the pane takes no focus); the arrows still move.
            if abs(delta) > PAGE_CRITERIA:
                pane.scroll_to(y=0 if delta < 0 else pane.max_scroll_y, animate=False)
            elif delta < 0:
                pane.scroll_page_up(animate=False)
            else:
                pane.scroll_page_down(animate=False)
            return
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
