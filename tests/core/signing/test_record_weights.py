"""Critical and advisory criteria in the decision record, its report and its verification."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

from gonogo_tui.commands.exit_codes import EXIT_OK, exit_code
from gonogo_tui.core.checklist import Checklist, Criterion, Section
from gonogo_tui.core.evaluation import Decision, evaluate
from gonogo_tui.core.probes.base import ProbeResult, Sample, Status
from gonogo_tui.core.probes.file import FileProbe
from gonogo_tui.core.records.build import build_record
from gonogo_tui.core.records.export import record_html, record_markdown
from gonogo_tui.core.records.model import Approval
from gonogo_tui.core.records.reading import load_record
from gonogo_tui.core.records.write import write_record
from gonogo_tui.core.signing.verify import Failure
from tests.core.signing.conftest import Team
from tests.core.signing.helpers import SEALED_AT, T0, Clock, sign, verify


def _checklist() -> Checklist:
    """Ten sections; the first holds the critical backup check and an advisory probe."""
    sections = []
    for i in range(10):
        criteria = [Criterion(id=f"p{i}", title=f"Probe {i}", probe=FileProbe(path="f"))]
        if i == 0:
            criteria += [
                Criterion(
                    id="backup-fresh",
                    title="Backup fresh",
                    probe=FileProbe(path="b"),
                    critical=True,
                ),
                Criterion(
                    id="new-probe", title="New probe", probe=FileProbe(path="n"), advisory=True
                ),
            ]
        sections.append(Section(id=f"s{i}", title=f"Section {i}", criteria=criteria))
    return Checklist(title="Spark", sections=sections)


def _results(checklist: Checklist, **statuses: Status) -> dict[str, ProbeResult]:
    return {
        c.id: ProbeResult(
            c.id, statuses.get(c.id.replace("-", "_"), Status.PASS), "v", "e", "src", "why", T0, 3.0
        )
        for _, c in checklist.criteria()
    }


def test_a_critical_failure_is_recorded_as_the_reason(evidence: Path) -> None:
    checklist = _checklist()
    evaluation = evaluate(
        checklist, _results(checklist, backup_fresh=Status.FAIL, new_probe=Status.FAIL)
    )
    assert evaluation.sections_go == 9 and evaluation.decision is Decision.NO_GO
    record = build_record(checklist, evaluation, operator="olivia", decided_at=T0)
    text = record.text
    assert "Reason: NO-GO: critical criterion Backup fresh failed. Failed checks: Section 0" in text
    assert "- [FAIL] [critical] backup-fresh: Backup fresh: v, needs exists (probe: why)" in text
    assert (
        "Advisory (not blocking):\n- [FAIL] new-probe: New probe: v, needs exists (probe: why)"
        in text
    )
    assert "s0/backup-fresh: Backup fresh | value: v | expected: e | source: src | critical" in text
    assert "s0/new-probe: New probe | value: v | expected: e | source: src | advisory" in text
    data = record.data
    assert data["reason"] == "NO-GO: critical criterion Backup fresh failed"
    assert data["advisory"] == ["new-probe FAIL: why"]
    assert data["missing"] == ["backup-fresh FAIL (critical): why"]
    first = data["sections"][0]["criteria"]
    assert [c.get("critical") for c in first] == [None, True, None]
    assert [c.get("advisory") for c in first] == [None, None, True]

    paths = write_record(record, evidence, now=Clock(SEALED_AT))
    view = load_record(paths.txt)
    markdown = record_markdown(view)
    assert "Why: NO-GO: critical criterion Backup fresh failed" in markdown
    assert "1. Section 0: backup-fresh FAIL (critical): v, needs exists (probe: why)" in markdown
    assert (
        "*Advisory (not blocking)*\n- 1. Section 0: new-probe FAIL (advisory): v, needs exists (probe: why)"
        in markdown
    )
    page = record_html(view)
    assert "<dt>Why</dt><dd>NO-GO: critical criterion Backup fresh failed</dd>" in page
    assert "<h2>Advisory (not blocking)</h2>" in page
    assert "Backup fresh (critical)</td>" in page


def test_an_advisory_failure_alone_records_go(evidence: Path) -> None:
    checklist = _checklist()
    evaluation = evaluate(checklist, _results(checklist, new_probe=Status.ERROR))
    record = build_record(checklist, evaluation, operator="olivia", decided_at=T0)
    assert record.decision == "GO"
    assert "Failed Checks:\n- none\n\nAdvisory (not blocking):\n- [ERROR] new-probe" in record.text
    assert record.data["missing"] == []


def test_verify_refuses_a_go_whose_critical_criterion_failed(
    evidence: Path, team: Team, allowed: Path
) -> None:
    """A record claiming the rules gave REVIEW (turned GO by the CTO) while a critical
    criterion failed: the rules gave NO-GO, so verify refuses it (sealed and signed as it is)."""
    checklist = _checklist()
    honest = evaluate(checklist, _results(checklist, backup_fresh=Status.FAIL))
    assert honest.decision is Decision.NO_GO
    forged = dataclasses.replace(honest, decision=Decision.REVIEW)
    vote = Approval("cto", team.cto.principal, T0 - timedelta(minutes=1), comment="ship it")
    record = build_record(checklist, forged, operator="olivia", decided_at=T0, approvals=[vote])
    assert record.decision == "GO"
    paths = write_record(record, evidence, now=Clock(SEALED_AT))
    assert json.loads(paths.json.read_text())["sections"][0]["criteria"][1]["critical"] is True
    sign(paths.txt, team.cto)
    result = verify(paths.txt, allowed, expect_decision="GO")
    assert exit_code(result.failure) != EXIT_OK
    assert result.failure is Failure.DECISION
    assert "critical backup-fresh did not pass: the rules give NO-GO" in result.reason


def test_an_advisory_failure_alone_verifies_as_go(
    evidence: Path, team: Team, allowed: Path
) -> None:
    """Advisory is never blocking in `verify` either: the GO over a failed advisory probe
    verifies (its sections' statuses are all GO)."""
    checklist = _checklist()
    evaluation = evaluate(checklist, _results(checklist, new_probe=Status.FAIL))
    record = build_record(checklist, evaluation, operator="olivia", decided_at=T0)
    paths = write_record(record, evidence, now=Clock(SEALED_AT))
    for person in (team.cto, team.devops, team.product):
        sign(paths.txt, person)
    result = verify(paths.txt, allowed, expect_decision="GO")
    assert result.failure is None, result.reason


def test_a_sustained_checks_samples_in_the_record_and_its_report(evidence: Path) -> None:
    """Issue 17 point 4: the record's criteria line and the report's failed check show the
    samples a sustained check took (the JSON keeps each one)."""
    checklist = _checklist()
    results = _results(checklist, backup_fresh=Status.FAIL)
    samples = tuple(
        Sample(T0 + timedelta(seconds=15 * i), status, value)
        for i, (status, value) in enumerate(
            [(Status.PASS, "2"), (Status.PASS, "5"), (Status.FAIL, "9")]
        )
    )
    results["backup-fresh"] = dataclasses.replace(results["backup-fresh"], samples=samples)
    record = build_record(checklist, evaluate(checklist, results), operator="o", decided_at=T0)
    assert (
        "s0/backup-fresh: Backup fresh | value: v | expected: e | source: src | critical"
        " | samples: ▁▄█ (3 taken)\n" in record.text
    )
    assert "s0/p0: Probe 0 | value: v | expected: e | source: src\n" in record.text
    view = load_record(write_record(record, evidence, now=Clock(SEALED_AT)).txt)
    assert "backup-fresh FAIL (critical): v, needs exists (probe: why) (samples ▁▄█ (3 taken))" in (
        record_markdown(view)
    )
    assert "(critical) v, needs exists (probe: why) (samples ▁▄█ (3 taken))" in record_html(view)
