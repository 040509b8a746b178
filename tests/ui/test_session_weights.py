"""The review session refuses to waive a critical criterion (issue 17, point 1)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gonogo_tui.core.checklist import Checklist, Criterion, Section
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import Tick, evaluate
from gonogo_tui.core.probes.base import Status
from gonogo_tui.ui.screens.finalize import reasons_text
from gonogo_tui.ui.screens.finalize_flow import default_no_go_reason
from gonogo_tui.ui.widgets.decision_bar import blockers_summary
from tests.ui.fakes import FakeClock
from tests.ui.test_session import make_session

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def test_a_critical_criterion_cannot_be_waived(clock: FakeClock, evidence: Path) -> None:
    checklist = Checklist(
        title="t",
        sections=[
            Section(
                id="rollback",
                title="Rollback",
                criteria=[
                    Criterion(id="backup", title="Backup", manual=True, critical=True),
                    Criterion(id="runbook", title="Runbook", manual=True),
                ],
            )
        ],
    )
    session = make_session(checklist, clock, evidence)
    seen: list[object] = []
    session.subscribe(lambda snapshot, changed: seen.append(changed))
    with pytest.raises(EvidenceError, match="backup is critical: it cannot be waived"):
        session.waive("backup", "the backup job is fixed tomorrow")
    assert session.journal.state.waivers == {} and seen == []
    session.waive("runbook", "reviewed on paper, file updated after the call")
    assert set(session.journal.state.waivers) == {"runbook"}
    outcome = session.snapshot.evaluation.outcome("backup")
    assert outcome.critical and outcome.status is Status.PENDING
    session.close()


def test_the_decision_bar_names_critical_and_leaves_advisory_out() -> None:
    checklist = Checklist(
        title="t",
        sections=[
            Section(
                id="s",
                title="S",
                criteria=[
                    Criterion(id="backup", title="Backup", manual=True, critical=True),
                    Criterion(id="trial", title="Trial", manual=True, advisory=True),
                ],
            )
        ],
    )
    evaluation = evaluate(checklist, {})
    # The advisory criterion is not a blocker; the critical one is the tick counted (the
    # bar's first line names it through `evaluation.reason`).
    assert blockers_summary(evaluation) == "Blocks GO: 1 tick"
    assert evaluation.reason == "NO-GO: critical criterion Backup needs a tick"


def test_the_finalize_dialog_gives_the_critical_reason_and_no_advisory_one() -> None:
    checklist = Checklist(
        title="t",
        sections=[
            Section(
                id=f"s{i}",
                title=f"S{i}",
                criteria=[Criterion(id=f"m{i}", title="M", manual=True, critical=i == 0)]
                + (
                    [Criterion(id="trial", title="T", manual=True, advisory=True)] if i == 1 else []
                ),
            )
            for i in range(10)
        ],
    )
    ticks = {f"m{i}": Tick(f"m{i}", "alice", T0) for i in range(1, 10)}
    evaluation = evaluate(checklist, {}, ticks)
    shown = reasons_text(evaluation).plain
    assert shown.startswith("NO-GO: critical criterion M needs a tick\n")
    assert "trial" not in shown and " T:" not in shown  # the advisory criterion is no reason
    assert shown.splitlines()[1:] == [
        "Missing for GO (1), failures first:",
        "   ☐ TICK   M: waiting for a tick",
        "Sections not GO (1): 1. S0",
    ]
    assert default_no_go_reason(evaluation) == (
        "NO-GO: critical criterion M needs a tick. Failed checks: 1. S0 (M: needs tick)"
    )


async def test_the_bar_names_a_critical_criterion_by_title_and_after_final_what_was_decided_over(
    tmp_path: Path,
) -> None:
    """The room reads titles, not ids; and a FINAL decision is never followed by "Blocks GO"
    (a REVIEW approved by the CTO is GO over what stood against it)."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    from gonogo_tui.core.checklist import load_checklist
    from gonogo_tui.core.journal import Finalized
    from gonogo_tui.core.probes.base import ProbeResult
    from gonogo_tui.ui.widgets.decision_bar import DecisionBar

    path = tmp_path / "c.yaml"
    path.write_text(
        "title: t\nsections:\n  - id: s\n    title: S\n    criteria:\n"
        "      - id: rollback-script\n        title: Rollback script tested\n"
        "        critical: true\n        manual: true\n"
        "      - id: backup-fresh\n        title: Database backup < 24h old\n"
        "        critical: true\n"
        "        probe: {kind: http, url: 'http://127.0.0.1:9/'}\n"
    )
    checklist = load_checklist(path, environ={})
    failed = ProbeResult("backup-fresh", Status.FAIL, "503", "200", "GET /", "HTTP 503", T0, 1.0)
    evaluation = evaluate(checklist, {"backup-fresh": failed})

    class BarApp(App[None]):
        def compose(self) -> ComposeResult:
            yield DecisionBar()

    async with BarApp().run_test(size=(200, 8)) as pilot:
        bar = pilot.app.query_one(DecisionBar)
        bar.show(evaluation, running=(), stale=0, finalized=None)
        await pilot.pause()
        first, second = str(bar.query_one("#decision-info", Static).render()).splitlines()
        assert (
            "(critical: Database backup < 24h old failed; Rollback script tested needs a tick)"
            in first
        ), first
        assert "backup-fresh" not in first
        assert second.startswith("Blocks GO: Database backup < 24h old"), second
        final = Finalized("r1", "NO-GO", "NO-GO", ("evidence/no_go_decision_x.txt",), "kim", T0)
        bar.show(evaluation, running=(), stale=0, finalized=final)
        await pilot.pause()
        first, second = str(bar.query_one("#decision-info", Static).render()).splitlines()
        assert first.startswith("FINAL: NO-GO"), first
        assert second.startswith("Decided over: Database backup < 24h old"), second
