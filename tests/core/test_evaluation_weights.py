"""Truth tables for critical and advisory criteria (issue 17, points 1 and 2).

A critical criterion not passing is NO-GO whatever the section count and cannot be waived;
an advisory one is shown but never blocks its section.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest

from gonogo_tui.core.checklist import Checklist, Criterion, Section, load_checklist
from gonogo_tui.core.checklist.loading import checklist_json_schema
from gonogo_tui.core.errors import ChecklistError
from gonogo_tui.core.evaluation import (
    Decision,
    SectionStatus,
    Tick,
    Waiver,
    criterion_status,
    evaluate,
    waiver_refusal,
)
from gonogo_tui.core.evaluation_export import (
    evaluation_to_dict,
    evaluation_to_junit,
    missing_for_go,
)
from gonogo_tui.core.path_to_go import path_to_go
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.probes.file import FileProbe

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def result(cid: str, status: Status) -> ProbeResult:
    return ProbeResult(cid, status, "v", "e", "s", "d", T0, 1.0)


def waiver(cid: str) -> Waiver:
    return Waiver(cid, "bob", T0, "known issue, tracked in OPS-1")


def ten_sections(
    *, critical: bool = False, section_critical: bool = False, advisory: bool = False
) -> Checklist:
    """Ten sections of one probe each; the first also holds `backup-fresh`, which is
    critical (itself or by its section) or advisory as asked."""
    sections = []
    for i in range(10):
        criteria = [Criterion(id=f"s{i}-p", title="probe", probe=FileProbe(path="x"))]
        if i == 0:
            criteria.append(
                Criterion(
                    id="backup-fresh",
                    title="Backup < 24h old",
                    probe=FileProbe(path="backup"),
                    critical=critical,
                    advisory=advisory,
                )
            )
        sections.append(
            Section(
                id=f"s{i}", title=f"S{i}", critical=section_critical and i == 0, criteria=criteria
            )
        )
    return Checklist(title="t", sections=sections)


def all_pass(checklist: Checklist) -> dict[str, ProbeResult]:
    return {c.id: result(c.id, Status.PASS) for _, c in checklist.criteria()}


@pytest.mark.parametrize(
    ("weight", "backup", "waived", "expected"),
    [
        # Plain criterion: its section alone NO-GO is one short, a REVIEW.
        ("plain", Status.FAIL, False, Decision.REVIEW),
        ("plain", Status.ERROR, False, Decision.REVIEW),
        ("plain", Status.FAIL, True, Decision.GO),
        # Critical: NO-GO whatever the count, and a waiver does not carry it.
        ("critical", Status.PASS, False, Decision.GO),
        ("critical", Status.FAIL, False, Decision.NO_GO),
        ("critical", Status.ERROR, False, Decision.NO_GO),
        ("critical", None, False, Decision.NO_GO),
        ("critical", Status.FAIL, True, Decision.NO_GO),
        ("section-critical", Status.FAIL, False, Decision.NO_GO),
        ("section-critical", Status.PASS, False, Decision.GO),
        # Advisory: never blocks its section.
        ("advisory", Status.FAIL, False, Decision.GO),
        ("advisory", Status.ERROR, False, Decision.GO),
        ("advisory", None, False, Decision.GO),
    ],
)
def test_truth_table_nine_of_ten(
    weight: str, backup: Status | None, waived: bool, expected: Decision
) -> None:
    checklist = ten_sections(
        critical=weight == "critical",
        section_critical=weight == "section-critical",
        advisory=weight == "advisory",
    )
    results = all_pass(checklist)
    if backup is None:
        del results["backup-fresh"]
    else:
        results["backup-fresh"] = result("backup-fresh", backup)
    waivers = {"backup-fresh": waiver("backup-fresh")} if waived else {}
    evaluation = evaluate(checklist, results, waivers=waivers)
    assert evaluation.decision is expected


def test_critical_failure_in_a_nine_of_ten_case_is_no_go_and_says_why() -> None:
    checklist = ten_sections(critical=True)
    results = all_pass(checklist)
    results["backup-fresh"] = result("backup-fresh", Status.FAIL)
    evaluation = evaluate(checklist, results)
    assert evaluation.sections_go == 9  # the count alone would be REVIEW
    assert evaluation.decision is Decision.NO_GO
    assert evaluation.reason == "NO-GO: critical criterion Backup < 24h old failed"
    assert evaluation_to_dict(evaluation)["reason"] == evaluation.reason
    assert missing_for_go(evaluation) == ["backup-fresh FAIL (critical): d"]


def test_reason_names_every_critical_criterion_and_how_it_stands() -> None:
    checklist = ten_sections(section_critical=True)
    results = all_pass(checklist)
    results["backup-fresh"] = result("backup-fresh", Status.ERROR)
    del results["s0-p"]
    evaluation = evaluate(checklist, results)
    assert evaluation.reason == (
        "NO-GO: critical criteria probe not measured yet; "
        "Backup < 24h old could not be measured (ERROR)"
    )


def test_a_critical_criterion_ignores_a_waiver() -> None:
    criterion = Criterion(id="c", title="c", probe=FileProbe(path="x"), critical=True)
    status = criterion_status(criterion, result("c", Status.FAIL), None, waiver("c"), critical=True)
    assert status == (Status.FAIL, None)
    manual = Criterion(id="m", title="m", manual=True, critical=True)
    assert criterion_status(manual, None, None, waiver("m"), critical=True)[0] is Status.PENDING
    ticked = criterion_status(manual, None, Tick("m", "alice", T0), None, critical=True)
    assert ticked[0] is Status.PASS


def test_waiver_refusal_for_critical_criteria_only() -> None:
    checklist = ten_sections(critical=True)
    section = checklist.section_of("backup-fresh")
    refusal = waiver_refusal(section, checklist.criterion("backup-fresh"))
    assert refusal is not None
    assert "backup-fresh is critical: it cannot be waived" in refusal
    assert "emergency override" in refusal
    assert waiver_refusal(section, checklist.criterion("s0-p")) is None
    by_section = ten_sections(section_critical=True)
    assert waiver_refusal(by_section.sections[0], by_section.criterion("s0-p")) is not None


def test_advisory_failure_is_shown_not_blocking() -> None:
    checklist = ten_sections(advisory=True)
    results = all_pass(checklist)
    results["backup-fresh"] = result("backup-fresh", Status.FAIL)
    evaluation = evaluate(checklist, results)
    outcome = evaluation.outcome("backup-fresh")
    assert outcome.status is Status.FAIL  # shown as measured
    assert evaluation.sections[0].status is SectionStatus.GO
    assert evaluation.missing == ()
    assert evaluation_to_dict(evaluation)["advisory"] == ["backup-fresh FAIL: d"]
    assert path_to_go(evaluation, checklist.policy).changes == ()


def test_a_section_needs_a_blocking_criterion_to_be_go() -> None:
    only_advisory = Section(
        id="a",
        title="A",
        criteria=[Criterion(id="x", title="x", probe=FileProbe(path="x"), advisory=True)],
    )
    checklist = Checklist(title="t", sections=[only_advisory])
    evaluation = evaluate(checklist, {"x": result("x", Status.PASS)})
    assert evaluation.sections[0].status is SectionStatus.NO_GO


def test_path_to_go_never_offers_to_waive_a_critical_failure() -> None:
    checklist = ten_sections(critical=True)
    results = all_pass(checklist)
    results["backup-fresh"] = result("backup-fresh", Status.FAIL)
    path = path_to_go(evaluate(checklist, results), checklist.policy)
    assert [c.outcome.criterion.id for c in path.fixes] == ["backup-fresh"]
    assert path.waivers == ()
    assert path.with_ticks is Decision.NO_GO


def test_without_the_fields_nothing_changes_in_the_json() -> None:
    checklist = ten_sections()
    results = all_pass(checklist)
    results["backup-fresh"] = result("backup-fresh", Status.FAIL)
    document = evaluation_to_dict(evaluate(checklist, results))
    assert "reason" not in document and "advisory" not in document
    criteria = [c for s in document["sections"] for c in s["criteria"]]
    assert not any("critical" in c or "advisory" in c for c in criteria)


BASE = """\
title: t
sections:
  - id: s
    title: S
{section_extra}    criteria:
      - id: a
        title: A
        manual: true
{extra}      - id: b
        title: B
        manual: true
"""


def write(tmp_path: Path, *, extra: str = "", section_extra: str = "") -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(BASE.format(extra=extra, section_extra=section_extra), encoding="utf-8")
    return path


def test_critical_and_advisory_together_is_a_load_error(tmp_path: Path) -> None:
    path = write(tmp_path, extra="        critical: true\n        advisory: true\n")
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path, environ={})
    assert str(caught.value).startswith(f"{path}:10: sections[0].criteria[0].advisory: ")
    assert "both critical and advisory" in str(caught.value)


def test_advisory_in_a_critical_section_is_a_load_error(tmp_path: Path) -> None:
    path = write(tmp_path, extra="        advisory: true\n", section_extra="    critical: true\n")
    with pytest.raises(ChecklistError, match="its section is critical") as caught:
        load_checklist(path, environ={})
    assert str(caught.value).startswith(f"{path}:10: sections[0].criteria[0].advisory: ")


def test_a_section_of_advisory_criteria_only_is_a_load_error(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "title: t\nsections:\n  - id: s\n    title: S\n    criteria:\n"
        "      - {id: a, title: A, manual: true, advisory: true}\n",
        encoding="utf-8",
    )
    with pytest.raises(ChecklistError, match="every criterion of section 's' is advisory"):
        load_checklist(path, environ={})


def test_the_fields_load(tmp_path: Path) -> None:
    path = write(tmp_path, extra="        advisory: true\n", section_extra="")
    checklist = load_checklist(path, environ={})
    assert checklist.criterion("a").advisory
    critical = load_checklist(write(tmp_path, section_extra="    critical: true\n"), environ={})
    assert critical.sections[0].is_critical(critical.criterion("b"))


def test_schema_has_both_fields() -> None:
    defs = checklist_json_schema()["$defs"]
    assert defs["Criterion"]["properties"]["critical"]["type"] == "boolean"
    assert defs["Criterion"]["properties"]["advisory"]["type"] == "boolean"
    assert defs["Section"]["properties"]["critical"]["type"] == "boolean"
    assert "advisory" not in defs["Section"]["properties"]


def test_the_shipped_checklist_marks_backups_pitr_rollback_and_wal_critical() -> None:
    shipped = Path(__file__).parents[2] / "checklists" / "spark-trading.yaml"
    checklist = load_checklist(shipped, environ={"DATABASE_URL": "postgresql://x@localhost/x"})
    critical = sorted(c.id for section, c in checklist.criteria() if section.is_critical(c))
    assert critical == [
        "db-backup-alerts",
        "db-wal-archiving",
        "rollback-db-backup",
        "rollback-pitr-tested",
        "rollback-script-staging",
    ]


def test_junit_never_fails_the_build_for_an_advisory_criterion() -> None:
    checklist = ten_sections(advisory=True)
    results = all_pass(checklist)
    results["backup-fresh"] = result("backup-fresh", Status.FAIL)
    root = ElementTree.fromstring(evaluation_to_junit(evaluate(checklist, results), name="t"))
    assert root.get("failures") == "0" and root.get("errors") == "0"
    case = next(c for c in root.iter("testcase") if c.get("name", "").startswith("backup-fresh"))
    assert case.find("failure") is None
    out = case.find("system-out")
    assert out is not None and (out.text or "").startswith("advisory (not blocking): FAIL: d")


def test_junit_says_critical_and_lists_a_sustained_checks_samples() -> None:
    """Issue 17 points 1 and 4 in `gonogo check --junit`: a critical criterion's failure
    says what it does to the decision; a sustained one's body holds its samples."""
    import dataclasses

    from gonogo_tui.core.probes.base import Sample

    checklist = ten_sections(critical=True)
    results = all_pass(checklist)
    samples = (Sample(T0, Status.PASS, "2"), Sample(T0, Status.FAIL, "9"))
    results["backup-fresh"] = dataclasses.replace(
        result("backup-fresh", Status.FAIL), samples=samples
    )
    root = ElementTree.fromstring(evaluation_to_junit(evaluate(checklist, results), name="t"))
    case = next(c for c in root.iter("testcase") if c.get("name", "").startswith("backup-fresh"))
    failure = case.find("failure")
    assert failure is not None
    assert (failure.text or "").endswith(
        "\ncritical: anything but PASS makes the decision NO-GO\nsamples: ▁█ (2 taken)"
    )
    plain = next(c for c in root.iter("testcase") if c.get("name", "").startswith("s1-p"))
    assert plain.find("failure") is None and plain.find("system-out") is None


def test_the_shipped_checklist_says_why_each_critical_one_is() -> None:
    """Issue 17 point 1: a YAML comment `# Critical: ...` over each `critical: true`, and
    checklists/README.md marks each of them critical in its table."""
    repo = Path(__file__).parents[2]
    lines = (repo / "checklists" / "spark-trading.yaml").read_text(encoding="utf-8").splitlines()
    marked = [i for i, line in enumerate(lines) if line.strip() == "critical: true"]
    assert len(marked) == 5
    for i in marked:
        assert any(line.strip().startswith("# Critical: ") for line in lines[i - 3 : i]), lines[i]
    readme = (repo / "checklists" / "README.md").read_text(encoding="utf-8")
    for cid in (
        "db-backup-alerts",
        "db-wal-archiving",
        "rollback-db-backup",
        "rollback-pitr-tested",
        "rollback-script-staging",
    ):
        # The first row naming it: the table of criteria by section.
        row = next(line for line in readme.splitlines() if f"| `{cid}` |" in line)
        assert "**critical**" in row, row
