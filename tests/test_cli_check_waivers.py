"""`gonogo check --evidence-dir DIR` carries the ledger's waivers that still hold, as the
review does: a manual criterion waived for 2 releases in v1 is WAIVED (carried) in v2, and
lapsed in v3."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.evaluation import Tick, Waiver, evaluate
from gonogo_tui.core.records.build import build_record
from gonogo_tui.core.records.write import write_record

CHECKLIST = """\
title: Check carries waivers
policy:
  waivers: {granted_by: [cto, devops-lead]}
sections:
  - id: team
    title: Team
    criteria:
      - id: on-call
        title: On-call named
        manual: true
      - id: stakeholders
        title: Stakeholders told
        manual: true
"""


def _check(folder: Path, release: str) -> tuple[int, dict[str, object]]:
    proc = subprocess.run(
        [sys.executable, "-m", "gonogo_tui", "check", "checklist.yaml", "--json",
         "--tick", "on-call", "--release", release, "--evidence-dir", "evidence"],
        capture_output=True, text=True, cwd=folder, timeout=60, check=False,
    )  # fmt: skip
    criteria = json.loads(proc.stdout)["sections"][0]["criteria"]
    return proc.returncode, next(c for c in criteria if c["id"] == "stakeholders")


def test_check_applies_a_carried_waiver_and_says_when_it_lapsed(tmp_path: Path) -> None:
    source = tmp_path / "checklist.yaml"
    source.write_text(CHECKLIST)
    checklist = load_checklist(source)
    at = datetime.now(UTC) - timedelta(hours=1)
    waiver = Waiver(
        "stakeholders", "olivia", at, "announced by mail", approver="bob",
        role="devops-lead", releases=2,
    )  # fmt: skip
    ticks = {"on-call": Tick("on-call", "olivia", at)}
    evaluation = evaluate(checklist, {}, ticks, {"stakeholders": waiver})
    record = build_record(checklist, evaluation, operator="olivia", decided_at=at, release="v1")
    write_record(record, tmp_path / "evidence", now=lambda: at)

    code, stakeholders = _check(tmp_path, "v2")
    assert code == 0
    assert stakeholders["status"] == "WAIVED"
    assert stakeholders["detail"] == (
        "waived (carried from v1, 2 of 2 releases) by bob (devops-lead): announced by mail"
    )
    code, stakeholders = _check(tmp_path, "v1")  # v1 decided again: still its 1st release
    assert code == 0 and "1 of 2 releases" in str(stakeholders["detail"])
    # v2 was only checked, not recorded: record one, then v3 finds the waiver expired
    evaluation = evaluate(
        checklist, {}, ticks, {"stakeholders": Waiver(**{**waiver.__dict__, "nth": 2})}
    )
    later = at + timedelta(minutes=5)
    record = build_record(checklist, evaluation, operator="olivia", decided_at=later, release="v2")
    write_record(record, tmp_path / "evidence", now=lambda: later)
    code, stakeholders = _check(tmp_path, "v3")
    assert code == 1
    assert stakeholders["status"] == "PENDING"
    assert stakeholders["waiver_note"] == "waiver expired after 2 releases"
