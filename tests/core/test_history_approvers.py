"""`gonogo history` names whom the record names (fresh-eyes review, s8b): a plain GO's
`Approver:` line is its operator when nobody voted, and a waiver is by who GRANTED it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.evaluation import Tick, Waiver, evaluate
from gonogo_tui.core.history import read_history
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.records.build import build_record
from gonogo_tui.core.records.model import Approval, Override
from gonogo_tui.core.records.write import write_record
from tests.core.history_ledger import CHECKLIST, PROBED, T0
from tests.test_signing_cli import gonogo


def _write(evidence: Path) -> None:
    """Two GOs by dana, nobody voting: the second with coverage waived, entered by olivia
    and granted by alice (cto); then coverage failing, overridden by carol, dan and eve."""
    evidence.mkdir(parents=True)
    source = evidence.parent / "checklist.yaml"
    source.write_text(CHECKLIST, encoding="utf-8")
    checklist = load_checklist(source)
    for i in range(3):
        started = T0 + timedelta(days=i)
        failing = {"coverage"} if i else set()
        results = {
            cid: ProbeResult(
                cid,
                Status.FAIL if cid in failing else Status.PASS,
                "1",
                "e",
                "http",
                "d",
                started,
                5.0,
            )
            for cid in PROBED
        }
        waivers = (
            {"coverage": Waiver("coverage", "olivia", started, "flaky", "alice", "cto")}
            if i == 1
            else {}
        )
        evaluation = evaluate(
            checklist, results, {"on-call": Tick("on-call", "dana", started)}, waivers
        )
        decided = started + timedelta(minutes=10)
        override = None
        if i == 2:
            named = [("cto", "carol"), ("senior-engineer", "dan"), ("senior-engineer", "eve")]
            override = Override("hotfix", "low", tuple(Approval(r, p, decided) for r, p in named))
        record = build_record(
            checklist,
            evaluation,
            operator="dana",
            decided_at=decided,
            release=f"2.{i}",
            override=override,
        )
        if override is None:
            assert "Approver: dana\n" in record.text
        write_record(record, evidence, now=lambda d=decided: d + timedelta(seconds=5))


def test_history_names_the_approver_and_the_waiver_granter_the_record_names(
    tmp_path: Path,
) -> None:
    evidence = tmp_path / "evidence"
    _write(evidence)
    history = read_history(evidence)
    first, second, third = history.decisions
    assert [(a.role, a.principal) for a in first.approvers] == [("operator", "dana")]
    assert third.decision == "OVERRIDE"
    assert [a.principal for a in third.approvers] == ["carol", "dan", "eve"]
    assert [(w.criterion, w.by) for w in second.waived] == [("coverage", "alice")]
    proc = gonogo("history", str(evidence), "--no-cache", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "no approvers named" not in proc.stdout
    assert "operator dana (unsigned)" in proc.stdout
    assert "alice" in proc.stdout and "olivia" not in proc.stdout
