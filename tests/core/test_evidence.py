"""Decision records: seed format, JSON twin, overrides, atomic never-overwrite writes."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gonogo_tui.commands.exit_codes import exit_code
from gonogo_tui.core.checklist import Checklist, Criterion, Section
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import Decision, Evaluation, Tick, Waiver, evaluate
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.probes.file import FileProbe
from gonogo_tui.core.records.build import build_record
from gonogo_tui.core.records.model import (
    Approval,
    NoGoDetails,
    Note,
    Override,
    RecordMode,
    validate_review_approval,
)
from gonogo_tui.core.records.plan import RecordPlan, plan_record
from gonogo_tui.core.records.write import write_new_file, write_plan, write_record

T0 = datetime(2026, 11, 26, 10, 15, 0, tzinfo=UTC)


def _checklist(n: int = 10) -> Checklist:
    return Checklist(
        title="Spark",
        sections=[
            Section(
                id=f"s{i}",
                title=f"Section {i}",
                criteria=[
                    Criterion(id=f"p{i}", title=f"Probe {i}", probe=FileProbe(path="f")),
                    Criterion(id=f"m{i}", title=f"Manual {i}", manual=True),
                ],
            )
            for i in range(n)
        ],
    )


def _evaluation(checklist: Checklist, failing: int) -> Evaluation:
    results = {}
    ticks = {}
    for i in range(len(checklist.sections)):
        status = Status.FAIL if i < failing else Status.PASS
        results[f"p{i}"] = ProbeResult(f"p{i}", status, "v", "e", "src", "why", T0, 3.0)
        ticks[f"m{i}"] = Tick(f"m{i}", "alice", T0)
    return evaluate(checklist, results, ticks)


def test_go_record_in_seed_format(tmp_path: Path) -> None:
    checklist = _checklist()
    evaluation = _evaluation(checklist, 0)
    record = build_record(checklist, evaluation, operator="alice", decided_at=T0, release="v1.4.0")
    assert record.decision == "GO" and record.mode is RecordMode.NORMAL
    lines = record.text.splitlines()
    assert lines[:5] == [
        "GO/NO-GO Decision: GO ✅",
        "Timestamp: Thu Nov 26 10:15:00 UTC 2026",
        "Approver: alice",
        "Checks Passed: 10/10",
        "Next Step: Canary Deployment (1% → 100%)",
    ]
    paths = write_record(record, tmp_path)
    assert paths.txt.name == "go_decision_20261126_101500.txt"
    data = json.loads(paths.json.read_text())
    assert data["decision"] == "GO" and data["release"] == "v1.4.0"
    assert data["sections_go"] == 10 and len(data["sections"]) == 10
    assert data["sections"][0]["criteria"][1]["tick"]["operator"] == "alice"


def test_no_go_record(tmp_path: Path) -> None:
    checklist = _checklist()
    evaluation = _evaluation(checklist, 3)
    record = build_record(
        checklist,
        evaluation,
        operator="alice",
        decided_at=T0,
        no_go=NoGoDetails("WAL archiving failing", "Fix archive_command", "2026-11-27 10:00"),
        notes=[Note("db team paged", "alice", T0, "p1")],
    )
    assert record.decision == "NO-GO"
    lines = record.text.splitlines()
    assert lines[:5] == [
        "GO/NO-GO Decision: NO-GO ❌",
        "Timestamp: Thu Nov 26 10:15:00 UTC 2026",
        "Reason: WAL archiving failing",
        "Action: Fix archive_command",
        "Next Review: 2026-11-27 10:00",
    ]
    assert "- [FAIL] p0: Probe 0: v, needs exists (probe: why)" in lines
    assert any("db team paged" in line for line in lines)
    paths = write_record(record, tmp_path)
    assert paths.txt.name == "no_go_decision_20261126_101500.txt"


@pytest.mark.parametrize(
    ("approvals", "decision", "mode"),
    [
        ((), "NO-GO", RecordMode.NORMAL),
        ((Approval("cto", "Carol", T0, comment="flaky"),), "GO", RecordMode.REVIEW),
        ((Approval("cto", "Carol", T0),), "NO-GO", RecordMode.NORMAL),
        ((Approval("cto", "Carol", T0, comment=" "),), "NO-GO", RecordMode.NORMAL),
        ((Approval("cto", "Carol", T0, "reject", "no"),), "NO-GO", RecordMode.NORMAL),
        ((Approval("devops-lead", "Dan", T0, comment="ok"),), "NO-GO", RecordMode.NORMAL),
        ((Approval("cto", "  ", T0, comment="ok"),), "NO-GO", RecordMode.NORMAL),
    ],
)
def test_review_needs_cto(approvals: tuple[Approval, ...], decision: str, mode: RecordMode) -> None:
    checklist = _checklist()
    evaluation = _evaluation(checklist, 1)
    assert evaluation.decision is Decision.REVIEW
    record = build_record(
        checklist,
        evaluation,
        operator="alice",
        decided_at=T0,
        approvals=approvals,
    )
    assert (record.decision, record.mode) == (decision, mode)
    assert record.data["policy_decision"] == "REVIEW"


def test_review_approval_comment_is_in_the_record() -> None:
    checklist = _checklist()
    evaluation = _evaluation(checklist, 1)
    approval = Approval("cto", "Carol", T0, comment="known flaky suite")
    record = build_record(
        checklist, evaluation, operator="alice", decided_at=T0, approvals=(approval,)
    )
    assert record.decision == "GO"
    lines = record.text.splitlines()
    assert "Policy Decision: REVIEW, approved by the CTO" in lines
    assert "Approval Comment: Carol (cto): known flaky suite" in lines
    (approved,) = record.data["approvals"]
    assert (approved["principal"], approved["comment"]) == ("Carol", "known flaky suite")


@pytest.mark.parametrize(
    ("approval", "message"),
    [
        (Approval("cto", " ", T0, comment="ok"), "name is required"),
        (Approval("cto", "Carol", T0), "comment is required"),
        (Approval("cto", "Carol", T0, comment=" \t"), "comment is required"),
    ],
)
def test_review_approval_needs_name_and_comment(approval: Approval, message: str) -> None:
    with pytest.raises(EvidenceError, match=message):
        validate_review_approval(approval)
    validate_review_approval(Approval("cto", "Carol", T0, comment="known flaky suite"))


def _override(*roles_names: tuple[str, str], reason: str = "hotfix for outage") -> Override:
    return Override(
        reason=reason,
        risk_assessment="low: config only",
        approvers=tuple(Approval(role, name, T0) for role, name in roles_names),
    )


def test_override_writes_override_file(tmp_path: Path) -> None:
    checklist = _checklist()
    evaluation = _evaluation(checklist, 4)
    override = _override(("cto", "Carol"), ("senior-engineer", "Sam"), ("senior-engineer", "Sue"))
    record = build_record(
        checklist,
        evaluation,
        operator="alice",
        decided_at=T0,
        override=override,
    )
    assert record.display_decision == "OVERRIDE" and record.mode is RecordMode.EMERGENCY
    assert record.text.startswith("GO/NO-GO Decision: OVERRIDE")
    assert "GO/NO-GO Decision: GO ✅" not in record.text
    paths = write_record(record, tmp_path)
    assert paths.override is not None
    assert paths.override.name == "emergency_override_20261126_101500.txt"
    text = paths.override.read_text()
    assert "Risk Assessment: low: config only" in text and "Sue (senior-engineer)" in text


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (_override(("cto", "Carol"), ("senior-engineer", "Sam")), "two senior engineers"),
        (
            _override(("senior-engineer", "Sam"), ("senior-engineer", "Sue"), ("x", "Y")),
            "the CTO",
        ),
        (
            _override(("cto", "Sam"), ("senior-engineer", "Sam"), ("senior-engineer", "Sue")),
            "distinct",
        ),
        (
            _override(("cto", "C"), ("senior-engineer", "S"), ("senior-engineer", "T"), reason=" "),
            "reason",
        ),
        (
            _override(
                ("cto", "Carol Chen"), ("senior-engineer", "ＣAROL  chen"), ("senior-engineer", "S")
            ),
            "distinct",
        ),
    ],
)
def test_invalid_override_refused(override: Override, message: str) -> None:
    checklist = _checklist()
    evaluation = _evaluation(checklist, 2)
    with pytest.raises(EvidenceError, match=message):
        build_record(
            checklist,
            evaluation,
            operator="a",
            decided_at=T0,
            override=override,
        )


def test_records_are_never_overwritten(tmp_path: Path) -> None:
    checklist = _checklist()
    evaluation = _evaluation(checklist, 0)
    record = build_record(checklist, evaluation, operator="a", decided_at=T0)
    first = write_record(record, tmp_path)
    original = first.txt.read_bytes()
    second = write_record(record, tmp_path)
    assert second.txt.name == "go_decision_20261126_101500_2.txt"
    assert first.txt.read_bytes() == original
    assert "Record: go_decision_20261126_101500_2" in second.txt.read_text()
    assert json.loads(second.json.read_text())["record_id"] == "go_decision_20261126_101500_2"
    with pytest.raises(EvidenceError, match="never overwritten"):
        write_new_file(first.txt, b"x")
    assert first.txt.read_bytes() == original
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_control_characters_do_not_reach_the_record(tmp_path: Path) -> None:
    checklist = _checklist(1)
    results = {
        "p0": ProbeResult(
            "p0", Status.FAIL, "\x1b[31mred\x1b]52;c;aGk=\x07", "e", "s", "\x00nul", T0, 1.0
        )
    }
    evaluation = evaluate(checklist, results, {})
    record = build_record(checklist, evaluation, operator="a", decided_at=T0)
    assert "\x1b" not in record.text and "\x00" not in record.text
    assert "\\x1b[31mred" in record.text


def test_waivers_listed(tmp_path: Path) -> None:
    checklist = _checklist(1)
    results = {"p0": ProbeResult("p0", Status.ERROR, "", "e", "s", "refused", T0, 1.0)}
    evaluation = evaluate(
        checklist,
        results,
        {"m0": Tick("m0", "a", T0)},
        {"p0": Waiver("p0", "bob", T0, "service retired")},
    )
    record = build_record(checklist, evaluation, operator="a", decided_at=T0)
    assert record.decision == "GO"
    assert "- p0 (ERROR) waived by bob at 2026-11-26T10:15:00.000Z: service retired" in (
        record.text.splitlines()
    )


def test_probe_artifacts_are_written_beside_the_record(tmp_path: Path) -> None:
    checklist = _checklist(1)
    metrics = "# HELP up\nup 1\n"
    results = {
        "p0": ProbeResult(
            "p0",
            Status.PASS,
            "v",
            "e",
            "s",
            "d",
            T0,
            1.0,
            artifacts={"baseline_metrics.txt": metrics},
        )
    }
    evaluation = evaluate(checklist, results, {"m0": Tick("m0", "a", T0)})
    record = build_record(checklist, evaluation, operator="a", decided_at=T0)
    first = write_record(record, tmp_path)
    second = write_record(record, tmp_path)
    kept = tmp_path / f"{first.txt.stem}_artifacts" / "p0" / "baseline_metrics.txt"
    assert kept.read_text() == metrics
    assert (tmp_path / f"{second.txt.stem}_artifacts" / "p0" / "baseline_metrics.txt").exists()
    digest = json.loads(first.json.read_text())["artifacts"]["p0/baseline_metrics.txt"]
    assert digest == hashlib.sha256(metrics.encode()).hexdigest()


@pytest.mark.parametrize("change", ["edit", "delete"])
def test_verify_notices_an_altered_or_missing_artifact(tmp_path: Path, change: str) -> None:
    """The record JSON (sealed) lists each artifact's SHA-256, so verify checks the files."""
    from gonogo_tui.core.signing import verify_record

    checklist = _checklist(1)
    metrics = "# HELP up\nup 1\n"
    result = ProbeResult(
        "p0", Status.PASS, "v", "e", "s", "d", T0, 1.0, artifacts={"baseline_metrics.txt": metrics}
    )
    evaluation = evaluate(checklist, {"p0": result}, {"m0": Tick("m0", "a", T0)})
    record = build_record(checklist, evaluation, operator="a", decided_at=T0)
    paths = write_record(record, tmp_path / "evidence", now=lambda: T0)
    trust = tmp_path / "allowed_signers"
    trust.write_text("")

    def verify() -> tuple[int, str]:
        result = verify_record(paths.txt, trust, now=lambda: T0)
        return exit_code(result.failure), result.reason

    assert verify()[0] == 2  # intact, only the approvals are missing
    artifact = paths.txt.parent / f"{paths.txt.stem}_artifacts" / "p0" / "baseline_metrics.txt"
    name = f"{paths.txt.stem}_artifacts/p0/baseline_metrics.txt"
    if change == "edit":
        artifact.write_text(metrics + "up 0\n")
        expected = f"{name} was altered: it does not match its record's SHA-256"
    else:
        artifact.unlink()
        expected = f"{name}: cannot read (No such file or directory)"
    assert verify() == (1, expected)


def test_the_auditor_commands_check_the_artifacts_too(tmp_path: Path) -> None:
    """`gonogo verify --explain` covers what verify checks: the artifacts' SHA-256 too."""
    import subprocess

    from gonogo_tui.core.signing import explain_commands

    checklist = _checklist(1)
    result = ProbeResult(
        "p0", Status.PASS, "v", "e", "s", "d", T0, 1.0, artifacts={"baseline_metrics.txt": "up 1\n"}
    )
    evaluation = evaluate(checklist, {"p0": result}, {"m0": Tick("m0", "a", T0)})
    record = build_record(checklist, evaluation, operator="a", decided_at=T0)
    paths = write_record(record, tmp_path / "evidence", now=lambda: T0)
    trust = tmp_path / "allowed_signers"
    trust.write_text("")

    def run_checksums() -> subprocess.CompletedProcess[str]:
        lines = [line for line in explain_commands(paths.txt, trust) if "sha256sum -c" in line]
        script = "set -euo pipefail\n" + "\n".join(lines) + "\n"
        return subprocess.run(
            ["bash", "-c", script], capture_output=True, text=True, cwd=paths.txt.parent
        )

    done = run_checksums()
    assert done.returncode == 0, done.stderr
    assert f"{paths.txt.stem}_artifacts/p0/baseline_metrics.txt: OK" in done.stdout
    artifact = paths.txt.parent / f"{paths.txt.stem}_artifacts" / "p0" / "baseline_metrics.txt"
    artifact.write_text("up 0\n")
    assert run_checksums().returncode != 0


def test_a_plan_round_trips_and_names_only_its_own_files(tmp_path: Path) -> None:
    checklist = _checklist(1)
    results = {
        "p0": ProbeResult("p0", Status.PASS, "v", "e", "s", "d", T0, 1.0, artifacts={"a.txt": "A"})
    }
    evaluation = evaluate(checklist, results, {"m0": Tick("m0", "a", T0)})
    plan = plan_record(build_record(checklist, evaluation, operator="a", decided_at=T0), tmp_path)
    stem = "go_decision_20261126_101500"
    assert [name for name, _ in plan.files] == [
        f"{stem}.json",
        f"{stem}_artifacts/p0/a.txt",
        f"{stem}.txt",
    ]
    assert RecordPlan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan
    for bad in (
        "../x.txt",
        "/etc/passwd",
        "other.txt",
        f"{stem}_artifacts/../../x",
        f".{stem}.txt",
    ):
        data = plan.to_dict()
        data["files"].insert(0, {"name": bad, "text": "x"})
        with pytest.raises(ValueError, match="is not a file of record"):
            RecordPlan.from_dict(data)
    data = plan.to_dict()
    data["files"].pop()
    with pytest.raises(ValueError, match=r"and its \.txt last"):
        RecordPlan.from_dict(data)


def test_completing_a_plan_keeps_what_is_written_and_never_replaces(tmp_path: Path) -> None:
    checklist = _checklist(1)
    evaluation = _evaluation(checklist, 0)
    plan = plan_record(build_record(checklist, evaluation, operator="a", decided_at=T0), tmp_path)
    json_name, json_text = plan.files[0]
    write_new_file(tmp_path / json_name, json_text.encode())
    (tmp_path / f".{plan.txt}.abc123.tmp").write_text("half")
    with pytest.raises(EvidenceError, match="never overwritten"):
        write_plan(plan, tmp_path)  # a new record never takes a name that exists
    paths = write_plan(plan, tmp_path, completing=True)
    assert paths.txt.read_text() == dict(plan.files)[plan.txt]
    assert not list(tmp_path.glob(".*.tmp"))
    assert write_plan(plan, tmp_path, completing=True).statement == paths.statement  # sealed once
    other = tmp_path / "other"
    other.mkdir()
    write_new_file(other / plan.txt, b"someone else's record\n")
    with pytest.raises(EvidenceError, match="never overwritten"):
        write_plan(plan, other, completing=True)
    assert (other / plan.txt).read_bytes() == b"someone else's record\n"


def test_the_text_record_keeps_the_notes_typed_when_ticking() -> None:
    """The JSON and HTML had them; the `.txt` (the seed's format, the one people read) did
    not (issue 14)."""
    checklist = _checklist(1)
    results = {"p0": ProbeResult("p0", Status.PASS, "ok", "e", "s", "ok", T0, 1.0)}
    tick = Tick("m0", "alice", T0, note="confirmed by  Dana\non the bridge")
    record = build_record(
        checklist, evaluate(checklist, results, {"m0": tick}), operator="a", decided_at=T0
    )
    line = next(line for line in record.text.splitlines() if "/m0:" in line)
    assert line.endswith(
        "| ticked by alice at 2026-11-26T10:15:00.000Z | tick note: confirmed by Dana on the bridge"
    ), line
