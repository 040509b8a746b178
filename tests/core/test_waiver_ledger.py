"""Waivers carried through a ledger of 50 generated decisions, written through the real
record code (`build_record`, `write_record` sealing each one), each meeting starting as the
review does: `carried_waivers` reads the ledger, the grants go through `grant_refusal`.

The decisions follow `tests/core/history_ledger.py` (one a day; decision i % 10 == 3 is a
NO-GO whose release is decided again by decision i + 1), with coverage failing in 10, 11
and from 44 on, and lint failing in 23 to 28. The script of grants:
- 10: bob (devops-lead) waives coverage for 3 releases; 11 carries it (2 of 3); 12 carries
  it too, but coverage passes: the record holds no waiver, so 13 carries nothing.
- 44: bob waives coverage for 3 releases; 45, 46 carry it; 47 it expired after 3 releases,
  bob may no longer (4th in a row, limit 3): alice (cto) grants it for 2 releases; 48 is
  past the limit (5th): not carried, alice grants it again; 49 likewise.
- 23 (NO-GO): bob waives lint for 1 release; 24 decides the same release again: carried,
  still its 1st release; 25 it expired (nobody waives it: NO-GO); 26 bob waives it until
  day 27's date; 27 carries it; 28 it expired on that date.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gonogo_tui.core.checklist import Checklist, Expiry, load_checklist
from gonogo_tui.core.evaluation import Tick, Waiver, evaluate
from gonogo_tui.core.history import read_history
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.records.build import build_record
from gonogo_tui.core.records.write import write_record
from gonogo_tui.core.signing.outcome import Failure
from gonogo_tui.core.signing.waiver_checks import waiver_findings
from gonogo_tui.core.waiver_ledger import carried_waivers, read_ledger_waivers
from gonogo_tui.core.waiver_rules import grant_refusal
from tests.core.history_ledger import CHECKLIST, PROBED, T0, releases

POLICY = "policy:\n  waivers: {granted_by: [cto, devops-lead], max_releases: 3}\n"
COUNT = 50
DAY27 = (T0 + timedelta(days=27)).date()
# i -> (criterion, approver, role, expiry) granted in that meeting
GRANTS: dict[int, list[tuple[str, str, str, Expiry]]] = {
    10: [("coverage", "bob", "devops-lead", Expiry(releases=3))],
    44: [("coverage", "bob", "devops-lead", Expiry(releases=3))],
    47: [("coverage", "alice", "cto", Expiry(releases=2))],
    48: [("coverage", "alice", "cto", Expiry(releases=2))],
    49: [("coverage", "alice", "cto", Expiry(releases=1))],
    23: [("lint", "bob", "devops-lead", Expiry(releases=1))],
    26: [("lint", "bob", "devops-lead", Expiry(until=DAY27))],
}


def _status(i: int, cid: str) -> Status:
    if cid in ("backups", "smoke") and i % 10 == 3:
        return Status.FAIL
    if cid == "coverage" and (i in (10, 11) or i >= 44):
        return Status.FAIL
    if cid == "lint" and 23 <= i <= 28:
        return Status.FAIL
    return Status.PASS


def _meeting(checklist: Checklist, evidence: Path, i: int, label: str) -> dict[str, Any]:
    """One meeting as the review runs it: carry, grant, evaluate, record. Returns what it
    saw at the start."""
    started = T0 + timedelta(days=i)
    decided = started + timedelta(minutes=10)
    carried = carried_waivers(checklist, evidence, label, started, "olivia")
    ledger = read_ledger_waivers(evidence, label)
    waivers = dict(carried.waivers)
    refused = {}
    for cid, approver, role, expiry in GRANTS.get(i, []):
        row = ledger.in_a_row(cid)
        # bob tries first in every grant; past the limit he is refused
        tried = grant_refusal(
            cid, checklist.waiver_rules(cid), "devops-lead", expiry, row, started.date()
        )
        refused[cid] = tried
        assert (
            grant_refusal(cid, checklist.waiver_rules(cid), role, expiry, row, started.date())
            is None
        )
        waivers[cid] = Waiver(
            cid, "olivia", started, f"{cid} is known flaky", approver=approver, role=role,
            until=expiry.until, releases=expiry.releases, in_a_row=row,
        )  # fmt: skip
    results = {
        cid: ProbeResult(cid, _status(i, cid), "v", "e", "http", "d", started, 5.0)
        for cid in PROBED
    }
    ticks = {"on-call": Tick("on-call", "olivia", started)}
    evaluation = evaluate(checklist, results, ticks, waivers, waiver_notes=carried.lapsed)
    record = build_record(
        checklist, evaluation, operator="olivia", decided_at=decided, release=label,
        started_at=started,
    )  # fmt: skip
    write_record(record, evidence, now=lambda: decided + timedelta(seconds=5))
    return {"carried": carried, "refused": refused, "record": record.record_id}


@pytest.fixture(scope="module")
def ledger(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, list[dict[str, Any]], list[str]]:
    base = tmp_path_factory.mktemp("waiver-ledger")
    source = base / "checklist.yaml"
    source.write_text(CHECKLIST.replace("policy:\n", POLICY), encoding="utf-8")
    checklist = load_checklist(source)
    evidence = base / "evidence"
    evidence.mkdir()
    labels = releases(COUNT)
    seen = [_meeting(checklist, evidence, i, labels[i]) for i in range(COUNT)]
    return evidence, seen, labels


def _carried(seen: dict[str, Any]) -> dict[str, tuple[int, int, str]]:
    return {cid: (w.nth, w.in_a_row, w.carried_from) for cid, w in seen["carried"].waivers.items()}


def test_fifty_decisions_carry_waivers_while_valid(
    ledger: tuple[Path, list[dict[str, Any]], list[str]],
) -> None:
    _, seen, labels = ledger
    expected_carried = {
        11: {"coverage": (2, 2, labels[10])},
        12: {"coverage": (3, 3, labels[10])},  # carried, not needed: it passes, not recorded
        24: {"lint": (1, 1, labels[23])},
        27: {"lint": (2, 2, labels[26])},
        45: {"coverage": (2, 2, labels[44])},
        46: {"coverage": (3, 3, labels[44])},
    }
    expected_lapsed = {
        25: {"lint": "waiver expired after 1 release"},
        28: {"lint": f"waiver expired {DAY27.isoformat()}"},
        47: {"coverage": "waiver expired after 3 releases"},
        48: {"coverage": "waiver needs cto again: 5th release in a row waiving coverage (limit 3)"},
        49: {"coverage": "waiver needs cto again: 6th release in a row waiving coverage (limit 3)"},
    }
    for i in range(COUNT):
        assert _carried(seen[i]) == expected_carried.get(i, {}), i
        assert dict(seen[i]["carried"].lapsed) == expected_lapsed.get(i, {}), i
    # bob (devops-lead) may grant it up to the 3rd release in a row, not past it
    assert seen[44]["refused"] == {"coverage": None}
    assert seen[47]["refused"]["coverage"] == (
        "coverage would be waived 4 releases in a row (limit 3): only cto may grant it again"
    )


def test_the_records_say_who_granted_it_until_when_and_how_many_in_a_row(
    ledger: tuple[Path, list[dict[str, Any]], list[str]],
) -> None:
    evidence, seen, labels = ledger

    def waiver(i: int, cid: str) -> dict[str, Any] | None:
        data = json.loads((evidence / f"{seen[i]['record']}.json").read_text())
        for section in data["sections"]:
            for criterion in section["criteria"]:
                if criterion["id"] == cid:
                    return criterion.get("waiver")
        raise AssertionError(cid)

    assert waiver(46, "coverage") == {
        "operator": "olivia", "at": waiver(46, "coverage")["at"], "reason": "coverage is known flaky",  # type: ignore[index]
        "approver": "bob", "role": "devops-lead", "releases": 3, "nth": 3, "in_a_row": 3,
        "carried_from": labels[44], "granted_at": waiver(44, "coverage")["at"],  # type: ignore[index]
    }  # fmt: skip
    assert waiver(49, "coverage") is not None
    assert {k: waiver(49, "coverage")[k] for k in ("role", "in_a_row", "nth")} == {  # type: ignore[index]
        "role": "cto", "in_a_row": 6, "nth": 1,
    }  # fmt: skip
    assert waiver(25, "lint") is None  # expired, nobody waived it
    assert waiver(27, "lint")["until"] == DAY27.isoformat()  # type: ignore[index]
    text = (evidence / f"{seen[49]['record']}.txt").read_text()
    assert "6th release in a row waiving coverage" in text, text
    data = json.loads((evidence / f"{seen[28]['record']}.json").read_text())
    lint = next(c for s in data["sections"] for c in s["criteria"] if c["id"] == "lint")
    assert lint["status"] == "FAIL" and lint["waiver_note"] == f"waiver expired {DAY27.isoformat()}"


def test_the_count_in_a_row_agrees_with_gonogo_history(
    ledger: tuple[Path, list[dict[str, Any]], list[str]],
) -> None:
    evidence, _, _ = ledger
    ages = {age.criterion: age for age in read_history(evidence).waivers}
    assert ages["coverage"].releases_in_a_row == 6
    assert read_ledger_waivers(evidence, None).in_a_row("coverage") == 7


def test_every_record_passes_verifys_waiver_checks_and_a_forged_one_does_not(
    ledger: tuple[Path, list[dict[str, Any]], list[str]],
) -> None:
    evidence, seen, _ = ledger
    for meeting in seen:
        path = evidence / f"{meeting['record']}.json"
        assert waiver_findings(path.read_bytes(), path.name) == [], path.name
    path = evidence / f"{seen[47]['record']}.json"
    data = json.loads(path.read_text())
    coverage = next(c for s in data["sections"] for c in s["criteria"] if c["id"] == "coverage")
    coverage["waiver"]["role"] = "devops-lead"  # the 4th in a row: only the CTO may
    ((failure, message),) = waiver_findings(json.dumps(data).encode(), path.name)
    assert failure is Failure.POLICY
    assert "granted by alice as devops-lead, who may not grant it (4th release in a row" in message
    coverage["waiver"]["role"] = "product-owner"
    assert waiver_findings(json.dumps(data).encode(), "x")[0][0] is Failure.POLICY
    coverage["waiver"]["role"] = "cto"
    coverage["waiver"]["releases"], coverage["waiver"]["nth"] = 2, 3
    ((failure, message),) = waiver_findings(json.dumps(data).encode(), path.name)
    assert failure is Failure.DECISION and "waiver expired after 2 releases" in message
    del coverage["waiver"]["releases"]
    coverage["waiver"]["until"] = "2026-01-02"
    ((failure, message),) = waiver_findings(json.dumps(data).encode(), path.name)
    assert failure is Failure.DECISION and "waiver expired 2026-01-02" in message
