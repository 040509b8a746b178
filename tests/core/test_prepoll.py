"""The walkthrough's pre-poll: the owners of passing sections with a reason to object (a
waiver, an advisory failure, a stale result, a failure earlier in the meeting), and the
sections whose NO-GO is expected."""

from __future__ import annotations

from datetime import UTC, datetime

from gonogo_tui.core.checklist import Checklist, Criterion, Owner, Section
from gonogo_tui.core.evaluation import Waiver, evaluate
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.probes.file import FileProbe
from gonogo_tui.core.walkthrough import walkthrough_summary

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def _result(cid: str, status: Status = Status.PASS) -> ProbeResult:
    return ProbeResult(cid, status, "v", "e", "src", "why", T0, 1.0)


def _checklist() -> Checklist:
    def section(number: int, role: str, *extra: Criterion) -> Section:
        probe = Criterion(id=f"p{number}", title=f"Probe {number}", probe=FileProbe(path="f"))
        return Section(
            id=f"s{number}",
            title=f"{role} checks",
            owner=Owner(role=role, name=f"Person {number}"),
            criteria=[probe, *extra],
        )

    advisory = Criterion(id="adv", title="New probe", probe=FileProbe(path="n"), advisory=True)
    return Checklist(
        title="T",
        sections=[
            section(0, "DBA"),
            section(1, "SRE", advisory),
            section(2, "QA"),
            section(3, "Security"),
            section(4, "Web"),
            section(5, "Data"),
        ],
    )


def test_the_pre_poll_names_likely_objections_and_expected_no_gos() -> None:
    checklist = _checklist()
    results = {f"p{i}": _result(f"p{i}") for i in range(6)}
    results["adv"] = _result("adv", Status.FAIL)
    results["p0"] = _result("p0", Status.FAIL)
    results["p3"] = _result("p3", Status.FAIL)
    waivers = {"p0": Waiver("p0", "olivia", T0, "replica lag known")}
    evaluation = evaluate(checklist, results, {}, waivers)
    runs = {"p2": [_result("p2", Status.FAIL), results["p2"]], "p4": [results["p4"]]}
    text = walkthrough_summary(
        checklist, evaluation, operator="olivia", at=T0, stale_ids={"p5"}, runs=runs
    )
    pre_poll = text[text.index("## Pre-poll") :]
    assert pre_poll.splitlines()[2:7] == [
        "- DBA (Person 0) may object to DBA checks: p0 is waived (replica lag known)",
        "- SRE (Person 1) may object to SRE checks: advisory adv is FAIL (not blocking)",
        "- QA (Person 2) may object to QA checks: p2 failed earlier in this meeting, passes now",
        "- Data (Person 5) may object to Data checks: p5 was measured too long ago (stale)",
        "- Expected NO-GO, not an objection (the section does not pass): Security"
        " (Security checks)",
    ]
    assert "Web" not in pre_poll


def test_no_owners_no_pre_poll() -> None:
    checklist = Checklist(
        title="T",
        sections=[Section(id="s", title="S", criteria=[Criterion(id="m", title="M", manual=True)])],
    )
    text = walkthrough_summary(checklist, evaluate(checklist, {}), operator="o", at=T0)
    assert "Pre-poll" not in text
