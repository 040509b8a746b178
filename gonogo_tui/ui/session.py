"""The review session: its journal, the snapshot on screen, probe runs, ticks, waivers, notes.

Plain Python (no Textual): the review screen shows the session's snapshot and collects
input, and the child screens (walkthrough, presenter, dialogs) take the session rather
than the screen. State flows one way: every change is written to the journal first, then
`publish()` replays the journal's state through the core's `evaluate` into an immutable
`ReviewSnapshot` and hands it to each subscriber.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from gonogo_tui.core.agenda import Agenda, build_agenda
from gonogo_tui.core.checklist import Criterion
from gonogo_tui.core.deltas import Past, read_past
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import Evaluation, evaluate
from gonogo_tui.core.journal import Finalized, Journal
from gonogo_tui.core.poll import apply_poll
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.records.build import build_record
from gonogo_tui.core.records.finalize import FinalizeOutcome, complete_finalize, finalize_session
from gonogo_tui.core.records.model import Approval, NoGoDetails, Note, Override
from gonogo_tui.ui.deps import ReviewContext
from gonogo_tui.ui.session_poll import SessionPoll
from gonogo_tui.ui.session_waivers import Grant, SessionWaivers


@dataclass(frozen=True)
class ReviewSnapshot:
    """Everything on screen at one moment; a new one is made on every change."""

    evaluation: Evaluation
    running: frozenset[str]
    stale: frozenset[str]
    finalized: Finalized | None
    now: datetime
    remaining: float
    """Seconds left in the meeting (negative: overtime)."""
    revision: int
    """The journal's line count: any entry (a note too) makes a new snapshot."""
    agenda: Agenda
    """Each section's time and the one being discussed."""
    criteria_evaluation: Evaluation | None = None
    """The criteria's own evaluation, before the poll's objections (None: the same)."""

    @property
    def measured(self) -> Evaluation:
        """What the criteria alone give (objections in the poll aside)."""
        return self.criteria_evaluation or self.evaluation


SnapshotListener = Callable[[ReviewSnapshot, "frozenset[str] | None"], None]
"""Called with each published snapshot and the criteria whose rows may have changed (None:
every row, as the once-a-second tick moves ages and staleness on)."""
ProbeLauncher = Callable[[Sequence[tuple[Criterion, int]]], None]
"""Starts the runs of these criteria, each with its run token (the screen's workers)."""


class ReviewSession:
    """One meeting: the journal it is recorded in and everything derived from it.

    Args:
        ctx: the review's dependencies (checklist, runner, clock, evidence folder...).
        journal: the session's journal, created or resumed (a `FollowedJournal` for a
            read-only viewer).
    """

    def __init__(self, ctx: ReviewContext, journal: Journal) -> None:
        self.ctx = ctx
        self.journal = journal
        self.opened_at = journal.info.started_at
        """The meeting started when its journal did: a resumed meeting keeps its countdown."""
        self.order = tuple(c.id for _, c in ctx.checklist.criteria())
        """Every criterion, in checklist order."""
        self.probed = tuple(c.id for _, c in ctx.checklist.criteria() if not c.is_manual)
        """The criteria a probe measures."""
        self._running: set[str] = set()
        self._tokens: dict[str, int] = {}
        """Each running criterion's current run; a superseded run's result does not end it."""
        self._token_counter = itertools.count(1)
        self._idle = asyncio.Event()
        self._idle.set()
        self._listeners: list[SnapshotListener] = []
        self._launch: ProbeLauncher | None = None
        self.waivers = SessionWaivers(ctx, journal, self.publish)
        """Who may grant a waiver, the ones carried from the ledger (written at the start)."""
        self.past: Past = read_past(ctx.evidence_dir)
        """The last GO and the last decisions before this meeting (the rows' "last GO"
        values): read once, from the ledger's last lines."""
        self.snapshot = self._build_snapshot(None)
        """The latest published snapshot."""
        self.poll = SessionPoll(ctx, journal, self.publish, lambda: self.snapshot.measured)
        """The poll's answers and overrules (`p` in the review, also offered at finalize)."""

    @property
    def running(self) -> frozenset[str]:
        """Criteria whose probe is running."""
        return frozenset(self._running)

    @property
    def running_count(self) -> int:
        """How many probes are running (without copying the set, as `running` does)."""
        return len(self._running)

    @property
    def finalized(self) -> bool:
        """Whether a decision record was written in this session."""
        return self.journal.state.finalized is not None

    # Snapshots.

    def subscribe(self, listener: SnapshotListener) -> Callable[[], None]:
        """Call `listener` on every publish, until the returned function is called."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def publish(self, changed: Iterable[str] | None = None) -> None:
        """Recompute the evaluation from the journal's state and hand it to the subscribers.

        Args:
            changed: the criteria whose rows may look different; None: every row.
        """
        if self._running:
            self._idle.clear()
        else:
            self._idle.set()
        self.snapshot = self._build_snapshot(self.snapshot)
        rows = None if changed is None else frozenset(changed)
        for listener in tuple(self._listeners):
            listener(self.snapshot, rows)

    def _build_snapshot(self, shown: ReviewSnapshot | None) -> ReviewSnapshot:
        state = self.journal.state
        checklist = self.ctx.checklist
        now = self.ctx.clock()
        measured = evaluate(
            checklist,
            state.results,
            state.ticks,
            state.waivers,
            previous=shown.measured if shown is not None else None,
            waiver_notes=state.waiver_notes,
        )
        evaluation = apply_poll(measured, checklist.policy, state.poll_answers, state.overrules)
        return ReviewSnapshot(
            evaluation,
            frozenset(self._running),
            frozenset(state.stale_ids(now, checklist.defaults.stale_after)),
            state.finalized,
            now,
            self.ctx.duration - (now - self.opened_at).total_seconds(),
            self.journal.entries,
            build_agenda(checklist, self.ctx.duration, state.focus, now),
            None if evaluation is measured else measured,
        )

    def runs_of(self, cid: str) -> tuple[ProbeResult, ...]:
        """Every result this criterion's probe returned, oldest first."""
        return tuple(self.journal.state.runs.get(cid, ()))

    def notes_about(self, cid: str | None, *, general: bool = False) -> tuple[Note, ...]:
        """The notes about `cid` (with `general`, also those about the whole meeting)."""
        about = (cid, None) if general else (cid,)
        return tuple(n for n in self.journal.state.notes if n.criterion_id in about)

    def measured(self) -> int:
        """Probed criteria with a result that are not running again."""
        results, running = self.journal.state.results, self._running
        return sum(1 for cid in self.probed if cid in results and cid not in running)

    # Probe runs.

    def set_launcher(self, launch: ProbeLauncher) -> None:
        """Say how runs start (the review screen's workers); `start_probes` calls it."""
        self._launch = launch

    def start_probes(self, criterion_ids: Iterable[str]) -> int:
        """Start (or restart) the probes of these criteria.

        Returns:
            How many probes started (manual criteria are skipped).
        """
        checklist = self.ctx.checklist
        ids = list(dict.fromkeys(criterion_ids))
        self.ctx.runner.announce(checklist.criterion(cid) for cid in ids)
        runs: list[tuple[Criterion, int]] = []
        for cid in ids:
            criterion = checklist.criterion(cid)
            if criterion.is_manual:
                continue
            token = next(self._token_counter)
            self._tokens[cid] = token
            self._running.add(cid)
            runs.append((criterion, token))
        if runs:
            if self._launch is None:
                raise RuntimeError("no probe launcher: the review screen sets one")
            self._launch(runs)
            self.publish(self._tokens)
        return len(runs)

    def is_current(self, cid: str, token: int) -> bool:
        """Whether `token` is the criterion's latest run (an earlier one was superseded)."""
        return self._tokens.get(cid) == token

    def record_results(self, finished: Sequence[tuple[ProbeResult, int]]) -> str | None:
        """Journal results (with one write) and end their runs, then publish.

        Args:
            finished: each result with the token of the run that measured it.

        Returns:
            None, or why the journal was not written (the results are still shown).
        """
        results = [result for result, _ in finished]
        error = None
        try:
            self.journal.record_results(results)
        except EvidenceError as exc:
            for result in results:
                self.journal.state.add_result(result)
            error = f"Journal not written: {exc}"
        for result, token in finished:
            cid = result.criterion_id
            if self._tokens.get(cid) == token:
                del self._tokens[cid]
                self._running.discard(cid)
        self.publish(result.criterion_id for result in results)
        return error

    def record_progress(self, result: ProbeResult, token: int) -> None:
        """Show a sustained check's window so far (PENDING, its samples until now) while it
        keeps running; only the finished window is journaled (`record_results`)."""
        if self._tokens.get(result.criterion_id) == token:
            self.journal.state.results[result.criterion_id] = result
            self.publish((result.criterion_id,))

    def crashed_result(self, cid: str, error: BaseException | None) -> ProbeResult:
        """The ERROR result of a probe whose worker raised instead of returning."""
        probe = self.ctx.checklist.criterion(cid).probe
        return ProbeResult(
            criterion_id=cid,
            status=Status.ERROR,
            value="",
            expected=probe.expectation() if probe else "",
            source=probe.source() if probe else "",
            detail=f"internal error: {type(error).__name__}: {error}",
            started_at=self.ctx.clock(),
            duration_ms=0.0,
        )

    async def wait_for_probes(self) -> None:
        """Return once no probe is running."""
        await self._idle.wait()

    # The operator's requests: each raises EvidenceError, changing nothing, when the
    # journal cannot take it.

    def tick(self, cid: str, note: str) -> None:
        """Tick a manual criterion."""
        self.journal.tick(cid, self.ctx.operator, self.ctx.clock(), note)
        self.publish([cid])

    def untick(self, cid: str) -> None:
        """Take a tick back."""
        self.journal.untick(cid, self.ctx.operator, self.ctx.clock())
        self.publish([cid])

    def waive(self, cid: str, reason: str, grant: Grant | None = None) -> None:
        """Waive a criterion that is not passing (`SessionWaivers.waive`).

        Raises:
            EvidenceError: refused (critical, a role that may not grant it, an expiry
                past the policy's bounds), or no reason: nothing is written.
        """
        self.waivers.waive(cid, reason, grant)

    def unwaive(self, cid: str) -> None:
        """Lift a waiver."""
        self.journal.unwaive(cid, self.ctx.operator, self.ctx.clock())
        self.publish([cid])

    def focus_on(self, cid: str, *, section_id: str | None = None) -> str | None:
        """Have the agenda's clock run for the section of `cid` (or `section_id`: the poll
        asking its owner): None, or why not journaled."""
        ctx = self.ctx
        sid = section_id or ctx.checklist.section_of(cid).id
        try:
            if self.journal.focus(sid, ctx.operator, ctx.clock()):
                self.publish([])
        except EvidenceError as exc:
            return f"Journal not written: {exc}"
        return None

    def note(self, text: str, cid: str | None) -> None:
        """Add a note about a criterion (None: the meeting)."""
        self.journal.note(text, self.ctx.operator, self.ctx.clock(), cid)
        self.publish([])

    # Summary and decision.

    def finalize(
        self,
        evaluation: Evaluation,
        *,
        approvals: tuple[Approval, ...] = (),
        override: Override | None = None,
        no_go: NoGoDetails | None = None,
    ) -> FinalizeOutcome:
        """Build the decision record of `evaluation` and write it through the journal.

        Raises:
            EvidenceError: the record was not written (see `finalize_session`).
        """
        ctx = self.ctx
        record = build_record(
            ctx.checklist,
            evaluation,
            operator=ctx.operator,
            decided_at=ctx.clock(),
            release=self.journal.state.release or ctx.release,
            approvals=approvals,
            override=override,
            no_go=no_go,
            notes=tuple(self.journal.state.notes),
            started_at=self.opened_at,
            poll=self.poll.record(),
            past=self.past,
        )
        return finalize_session(
            self.journal, record, ctx.evidence_dir, operator=ctx.operator, now=ctx.clock
        )

    def complete_pending(self) -> FinalizeOutcome | None:
        """Finish the record a crash (or a failed write) interrupted, if there is one.

        Raises:
            EvidenceError: see `complete_finalize`.
        """
        return complete_finalize(self.journal, self.ctx.evidence_dir, now=self.ctx.clock)

    def close(self) -> None:
        """Close the journal (the app is quitting)."""
        self.journal.close()


__all__ = [
    "ProbeLauncher",
    "ReviewSession",
    "ReviewSnapshot",
    "SnapshotListener",
]
