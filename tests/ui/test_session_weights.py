"""The review session refuses to waive a critical criterion (issue 17, point 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gonogo_tui.core.checklist import Checklist, Criterion, Section
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import evaluate
from gonogo_tui.core.probes.base import Status
from gonogo_tui.ui.widgets.decision_bar import missing_summary
from tests.ui.fakes import FakeClock
from tests.ui.test_session import make_session


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
    assert missing_summary(evaluation) == "Missing for GO (1): 1 backup TICK critical"
