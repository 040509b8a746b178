"""The review session on its own: no Textual, a real journal in a temp folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.journal import Journal
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.ui.deps import ReviewContext
from gonogo_tui.ui.navigation import criterion_after, criterion_beside
from gonogo_tui.ui.session import ReviewSession, ReviewSnapshot
from tests.ui.fakes import FakeClock, FakeRunner


def make_session(checklist: Checklist, clock: FakeClock, evidence: Path) -> ReviewSession:
    ctx = ReviewContext(
        checklist=checklist,
        runner=FakeRunner(clock),
        clock=clock,
        evidence_dir=evidence,
        operator="alice",
        release=None,
        duration=600.0,
    )
    journal = Journal.create(evidence, checklist, operator="alice", release=None, now=clock)
    return ReviewSession(ctx, journal)


def result(cid: str, status: Status, clock: FakeClock) -> ProbeResult:
    return ProbeResult(
        criterion_id=cid,
        status=status,
        value="200",
        expected="200",
        source="test",
        detail="",
        started_at=clock(),
        duration_ms=1.0,
    )


def test_the_session_needs_no_textual() -> None:
    """The session is the review's model: a walkthrough or a test uses it without a screen."""
    code = "import sys, gonogo_tui.ui.session; print('textual' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"


def test_a_tick_is_journaled_then_published(
    checklist: Checklist, clock: FakeClock, evidence: Path
) -> None:
    session = make_session(checklist, clock, evidence)
    seen: list[tuple[ReviewSnapshot, frozenset[str] | None]] = []
    unsubscribe = session.subscribe(lambda snapshot, changed: seen.append((snapshot, changed)))
    session.tick("team.oncall", "on the call")
    assert session.journal.state.ticks["team.oncall"].note == "on the call"
    ((snapshot, changed),) = seen
    assert changed == {"team.oncall"} and snapshot is session.snapshot
    assert snapshot.evaluation.outcome("team.oncall").tick is not None
    unsubscribe()
    session.note("a note", None)
    assert len(seen) == 1
    assert session.notes_about("team.oncall", general=True)[0].text == "a note"
    assert session.notes_about("team.oncall") == ()
    session.close()


def test_a_write_the_journal_refuses_changes_nothing(
    checklist: Checklist, clock: FakeClock, evidence: Path
) -> None:
    session = make_session(checklist, clock, evidence)
    seen: list[object] = []
    session.subscribe(lambda snapshot, changed: seen.append(changed))
    session.close()  # a closed journal takes no more lines
    with pytest.raises(EvidenceError):
        session.waive("ci.contract", "known flake")
    assert seen == [] and session.journal.state.waivers == {}


def test_only_the_latest_run_of_a_criterion_ends_it(
    checklist: Checklist, clock: FakeClock, evidence: Path
) -> None:
    session = make_session(checklist, clock, evidence)
    launched: list[tuple[str, int]] = []
    session.set_launcher(lambda runs: launched.extend((c.id, token) for c, token in runs))
    assert session.start_probes(["ci.contract", "team.oncall"]) == 1  # manual: skipped
    assert session.start_probes(["ci.contract"]) == 1  # restarted before the first ended
    (_, first), (_, second) = launched
    assert session.running == {"ci.contract"}
    assert session.record_results([(result("ci.contract", Status.FAIL, clock), first)]) is None
    assert session.running == {"ci.contract"}  # the superseded run's result is kept, though
    assert session.journal.state.results["ci.contract"].status is Status.FAIL
    session.record_results([(result("ci.contract", Status.PASS, clock), second)])
    assert session.running == frozenset() and session.snapshot.running == frozenset()
    assert len(session.runs_of("ci.contract")) == 2
    session.close()


def test_probes_do_not_start_without_a_launcher(
    checklist: Checklist, clock: FakeClock, evidence: Path
) -> None:
    session = make_session(checklist, clock, evidence)
    with pytest.raises(RuntimeError, match="launcher"):
        session.start_probes(["ci.contract"])
    session.close()


def test_the_selection_moves_within_the_checklist(checklist: Checklist) -> None:
    order = [c.id for _, c in checklist.criteria()]
    assert criterion_after(order, "ci.contract", -1) == "ci.contract"
    assert criterion_after(order, "ci.contract", 3) == "headers.csp"
    assert criterion_after(order, "headers.csp", 1_000_000) == order[-1]
    assert criterion_beside(checklist, "ci.tests", 1, wrap=False) == "headers.csp"
    assert criterion_beside(checklist, "team.window", 1, wrap=False) == "team.window"
    assert criterion_beside(checklist, "team.window", 1, wrap=True) == "ci.tests"
