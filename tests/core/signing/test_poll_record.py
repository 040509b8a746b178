"""The poll in the decision record, its reports and `gonogo verify`: every voice recorded,
objections first; a GO short of its quorum, or approved by its own deployer, is refused."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from gonogo_tui.commands.exit_codes import EXIT_OK, exit_code
from gonogo_tui.core.checklist import Checklist, Criterion, Owner, Policy, Section
from gonogo_tui.core.errors import SigningError
from gonogo_tui.core.evaluation import Decision, evaluate
from gonogo_tui.core.poll import Answer, Overrule, PollAnswer, apply_poll, poll_record
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.probes.file import FileProbe
from gonogo_tui.core.records.build import build_record
from gonogo_tui.core.records.export import record_html, record_markdown
from gonogo_tui.core.records.reading import load_record
from gonogo_tui.core.records.write import write_record
from gonogo_tui.core.signing.verify import Failure
from tests.core.signing.conftest import Team
from tests.core.signing.helpers import SEALED_AT, T0, Clock, sign, verify

ROLES = ("DBA", "SRE", "Security", "QA", "Network", "Payments", "Support", "Data", "Mobile", "Web")


def _checklist(
    *, quorum: str | int | None = None, no_self: bool = False, deployer: str = ""
) -> Checklist:
    sections = [
        Section(
            id=f"s{i}",
            title=f"Section {i}",
            owner=Owner(role=role, name=f"Owner {i}"),
            criteria=[Criterion(id=f"p{i}", title=f"Probe {i}", probe=FileProbe(path="f"))],
        )
        for i, role in enumerate(ROLES)
    ]
    policy = Policy(quorum=quorum, no_self_approval=no_self)
    return Checklist(
        title="Spark",
        sections=sections,
        policy=policy,
        deployer=Owner(role="Deployer", name="Dee", principal=deployer) if deployer else None,
    )


def _results(checklist: Checklist) -> dict[str, ProbeResult]:
    return {
        c.id: ProbeResult(c.id, Status.PASS, "v", "e", "src", "why", T0, 3.0)
        for _, c in checklist.criteria()
    }


def _answers(count: int, **special: PollAnswer) -> dict[str, PollAnswer]:
    at = T0 - timedelta(minutes=2)
    answers = {
        f"s{i}": PollAnswer(f"s{i}", Answer.GO, "olivia", at + timedelta(seconds=i))
        for i in range(count)
    }
    answers.update(special)
    return answers


def _record(checklist: Checklist, answers: dict[str, PollAnswer], overrules=None):  # type: ignore[no-untyped-def]
    measured = evaluate(checklist, _results(checklist))
    overrules = overrules or {}
    evaluation = apply_poll(measured, checklist.policy, answers, overrules)
    poll = poll_record(checklist, measured, answers, overrules)
    return evaluation, build_record(
        checklist, evaluation, operator="olivia", decided_at=T0, poll=poll
    )


def test_every_voice_is_in_the_record_and_reports_objections_first(evidence: Path) -> None:
    at = T0 - timedelta(minutes=1)
    objection = PollAnswer("s2", Answer.NO_GO, "olivia", at, reason="HSTS is short")
    absent = PollAnswer("s4", Answer.ABSTAIN, "olivia", at, stand_in="Sub Stitute")
    checklist = _checklist(quorum=8)
    evaluation, record = _record(checklist, _answers(9, s2=objection, s4=absent))
    assert evaluation.decision is Decision.REVIEW  # the objection made Security NO-GO
    assert record.data["sections"][2]["status"] == "NO-GO"
    assert record.data["sections"][2]["objection"] == "HSTS is short"
    poll = record.data["poll"]
    assert [e["section_id"] for e in poll["answers"]][:2] == ["s2", "s0"]
    assert poll["answers"][0]["objection"] is True
    assert poll["answers"][-1] == {**poll["answers"][-1], "answer": None, "owner": "Owner 9"}
    assert poll["quorum"] == {"required": 8, "needed": 8, "met": True}
    assert (poll["owners"], poll["answered"]) == (10, 9)
    text = record.text
    assert "Poll (quorum met: 9 of 10 owners answered (policy: 8)):\n- OBJECTION s2" in text
    assert (
        "- OBJECTION s2 (Security: Owner 2): NO-GO at 2026-11-26T10:14:00.000Z: HSTS is short"
        in text
    )
    assert "- s4 (Network: Owner 4): absent, stand-in Sub Stitute: ABSTAIN at" in text
    assert "- s9 (Web: Owner 9): not asked" in text
    assert " 3. NO-GO Section 2 (1/1) | objection: HSTS is short" in text

    paths = write_record(record, evidence, now=Clock(SEALED_AT))
    view = load_record(paths.txt)
    markdown = record_markdown(view)
    assert "*Poll* (quorum met: 9 of 10 owners answered (policy: 8))\n- OBJECTION s2" in markdown
    assert "HSTS is short" in markdown
    page = record_html(view)
    assert "<h2>Poll</h2><p>quorum met: 9 of 10 owners answered (policy: 8)</p>" in page
    assert '<ul><li class="objection">OBJECTION s2 (Security: Owner 2): NO-GO' in page


def test_an_overruled_objection_leaves_the_section_go_and_says_who_and_why() -> None:
    at = T0 - timedelta(minutes=1)
    objection = PollAnswer("s2", Answer.NO_GO, "olivia", at, reason="HSTS is short")
    overrule = Overrule("s2", "Carol", "HSTS preload ships next week", "olivia", at)
    evaluation, record = _record(_checklist(), _answers(10, s2=objection), {"s2": overrule})
    assert evaluation.decision is Decision.GO
    assert "objection" not in record.data["sections"][2]
    assert record.data["poll"]["answers"][0]["overruled"]["by"] == "Carol"
    assert (
        "; overruled by Carol (CTO) at 2026-11-26T10:14:00.000Z: HSTS preload ships next week"
        in record.text
    )


def _sealed_go(evidence: Path, checklist: Checklist, answers: dict[str, PollAnswer]) -> Path:
    evaluation, record = _record(checklist, answers)
    assert record.decision == "GO", evaluation.decision
    return write_record(record, evidence, now=Clock(SEALED_AT)).txt


def test_verify_refuses_a_go_short_of_its_quorum(evidence: Path, team: Team, allowed: Path) -> None:
    txt = _sealed_go(evidence, _checklist(quorum="all"), _answers(9))
    for person in (team.cto, team.devops, team.product):
        sign(txt, person)
    result = verify(txt, allowed, expect_decision="GO")
    assert result.failure is Failure.POLICY and exit_code(result.failure) == 2
    assert result.reason == (
        "quorum not met: 9 of 10 owners answered the poll, the policy needs 10 (all)"
    )


def test_verify_passes_a_go_whose_quorum_is_met(evidence: Path, team: Team, allowed: Path) -> None:
    absent = PollAnswer("s9", Answer.ABSENT, "olivia", T0)
    txt = _sealed_go(evidence, _checklist(quorum=9), _answers(9, s9=absent))
    for person in (team.cto, team.devops, team.product):
        sign(txt, person)
    result = verify(txt, allowed, expect_decision="GO")
    assert exit_code(result.failure) == EXIT_OK, result.reason


def test_verify_recounts_the_quorum_instead_of_trusting_met(
    evidence: Path, team: Team, allowed: Path
) -> None:
    """A record whose poll says the quorum was met while its answers fall short is refused
    (sealed as it is: the seal vouches for bytes, not for the count)."""
    _, record = _record(_checklist(quorum="all"), _answers(9))
    record.data["poll"]["quorum"]["met"] = True
    record.data["poll"]["answered"] = 10
    txt = write_record(record, evidence, now=Clock(SEALED_AT)).txt
    assert json.loads(txt.with_suffix(".json").read_text())["poll"]["quorum"]["met"] is True
    for person in (team.cto, team.devops, team.product):
        sign(txt, person)
    result = verify(txt, allowed, expect_decision="GO")
    assert result.failure is Failure.POLICY
    assert result.reason.startswith("quorum not met: 9 of 10 owners answered")


def test_the_deployer_cannot_sign_their_own_release(
    evidence: Path, team: Team, allowed: Path
) -> None:
    checklist = _checklist(no_self=True, deployer=team.devops.principal.upper())
    txt = _sealed_go(evidence, checklist, _answers(10))
    with pytest.raises(SigningError, match="deploys this release and cannot approve it"):
        sign(txt, team.devops)
    assert not list(evidence.glob("*devops-lead*"))
    sign(txt, team.devops, vote="reject")  # a rejection is no approval of oneself


def test_verify_reports_a_self_approval_signed_before_the_rule(
    evidence: Path, team: Team, allowed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An approval by the deployer that got past `gonogo sign` (an older gonogo) is refused."""
    import gonogo_tui.core.signing.approvals as approvals

    checklist = _checklist(no_self=True, deployer=team.devops.principal)
    txt = _sealed_go(evidence, checklist, _answers(10))
    monkeypatch.setattr(approvals, "self_approval_in_record", lambda *_: None)
    for person in (team.cto, team.devops, team.product):
        sign(txt, person)
    result = verify(txt, allowed, expect_decision="GO")
    assert result.failure is Failure.POLICY
    assert result.reason == (
        "self-approval: bob@example.com deploys this release and cannot approve it as"
        " devops-lead (policy.no_self_approval)"
    )
