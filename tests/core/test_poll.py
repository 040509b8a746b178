"""The poll's rules: owners in the checklist (roster, variables, plain strings), load errors,
quorum truth tables, objections and overrules, and answers surviving a journal replay."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gonogo_tui.core.checklist import Checklist, Owner, Policy, Section, load_checklist
from gonogo_tui.core.errors import ChecklistError, EvidenceError
from gonogo_tui.core.evaluation import Decision, SectionStatus, evaluate
from gonogo_tui.core.journal import Journal, find_resumable, load_journal
from gonogo_tui.core.poll import (
    Answer,
    Overrule,
    PollAnswer,
    apply_poll,
    quorum_status,
    seats,
)

T0 = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)

HEAD = """\
title: Poll
{top}
policy:
  quorum: {quorum}
sections:
  - id: db
    title: Database
    owner: {{role: DBA, name: "${{DBA_NAME}}"}}
    criteria: [{{id: a, title: A, manual: true}}]
  - id: sec
    title: Security
    owner: {{role: Security}}
    criteria: [{{id: b, title: B, manual: true}}]
  - id: ops
    title: Ops
    owner: Olga Plain
    criteria: [{{id: c, title: C, manual: true}}]
"""


def _write(
    tmp_path: Path, *, top: str = "", quorum: str = "all", roster: str | None = None
) -> Path:
    if roster is not None:
        (tmp_path / "owners.yaml").write_text(roster)
    path = tmp_path / "check.yaml"
    path.write_text(HEAD.format(top=top, quorum=quorum))
    return path


def test_owners_from_variables_a_roster_and_a_plain_string(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        top="roster: owners.yaml\ndeployer: {role: Deployer}",
        roster="Security: {name: Sam Roy, principal: sam@example.com}\nDeployer: Dee\n",
    )
    checklist = load_checklist(path, environ={"DBA_NAME": "Alice Ng"})
    owners = [(s.owner.role, s.owner.who, s.owner.signer) for s in seats(checklist)]
    assert owners == [
        ("DBA", "Alice Ng", "Alice Ng"),
        ("Security", "Sam Roy", "sam@example.com"),
        ("Olga Plain", "Olga Plain", ""),
    ]
    assert checklist.deployer == Owner(role="Deployer", name="Dee")
    assert [s.owner_label for s in checklist.sections] == [
        "DBA: Alice Ng",
        "Security: Sam Roy",
        "Olga Plain",
    ]


@pytest.mark.parametrize(
    ("top", "quorum", "roster", "message"),
    [
        (
            "roster: owners.yaml",
            "all",
            "DBA: X\n",
            "check.yaml:12: sections[1].owner.role: no "
            "name given and the roster owners.yaml has no 'Security'",
        ),
        (
            "roster: owners.yaml",
            "4",
            "Security: S\n",
            "check.yaml:4: policy.quorum: 4 answers asked for, but only 3 sections name an owner",
        ),
        (
            "roster: owners.yaml",
            "0",
            "Security: S\n",
            "check.yaml:3: policy: quorum is 'all' or a number",
        ),
        ("roster: missing.yaml", "all", None, "check.yaml:2: roster: cannot read"),
        ("roster: owners.yaml", "all", "- a list\n", "must map roles to names"),
        ("roster: owners.yaml\npolicy_x: 1", "all", "Security: S\n", "policy_x"),
    ],
)
def test_owner_and_quorum_errors_name_file_line_and_field(
    tmp_path: Path, top: str, quorum: str, roster: str | None, message: str
) -> None:
    path = _write(tmp_path, top=top, quorum=quorum, roster=roster)
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path, environ={"DBA_NAME": "A"})
    text = str(caught.value)
    assert "\n" not in text
    assert message in text


def test_no_self_approval_needs_a_deployer(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "title: T\npolicy:\n  no_self_approval: true\n"
        "sections: [{id: s, title: S, criteria: [{id: a, title: A, manual: true}]}]\n"
    )
    with pytest.raises(ChecklistError, match=r"c.yaml:3: policy.no_self_approval: needs a top"):
        load_checklist(path)


def _ten(quorum: str | int | None = None) -> Checklist:
    return Checklist(
        title="T",
        policy=Policy(quorum=quorum),
        sections=[
            Section(
                id=f"s{i}",
                title=f"S{i}",
                owner=Owner(role=f"R{i}", name=f"N{i}") if i < 10 else None,
                criteria=[{"id": f"c{i}", "title": "C", "manual": True}],  # type: ignore[list-item]
            )
            for i in range(11)
        ],
    )


def _said(*answers: Answer) -> dict[str, PollAnswer]:
    return {f"s{i}": PollAnswer(f"s{i}", a, "op", T0) for i, a in enumerate(answers)}


G, N, X, A = Answer.GO, Answer.NO_GO, Answer.ABSTAIN, Answer.ABSENT


@pytest.mark.parametrize(
    ("quorum", "answers", "answered", "met"),
    [
        (None, (), 0, True),
        ("all", (G,) * 10, 10, True),
        ("all", (G,) * 9, 9, False),
        ("all", (G,) * 9 + (A,), 9, False),
        ("all", (G, N, X) * 3 + (G,), 10, True),
        (7, (G,) * 7, 7, True),
        (7, (G,) * 6 + (A, A, A, A), 6, False),
        (7, (X,) * 7, 7, True),
        (1, (), 0, False),
    ],
)
def test_quorum_truth_table(
    quorum: str | int | None, answers: tuple[Answer, ...], answered: int, met: bool
) -> None:
    checklist = _ten(quorum)
    status = quorum_status(checklist.policy, seats(checklist), _said(*answers))
    assert (status.owners, status.answered, status.met) == (10, answered, met)


def _ticked(checklist: Checklist) -> dict[str, object]:
    from gonogo_tui.core.evaluation import Tick

    return {c.id: Tick(c.id, "op", T0) for _, c in checklist.criteria()}


@pytest.mark.parametrize(
    ("passing", "answer", "overruled", "status", "objection"),
    [
        (True, N, False, SectionStatus.NO_GO, "too risky"),
        (True, N, True, SectionStatus.GO, None),
        (True, G, False, SectionStatus.GO, None),
        (True, X, False, SectionStatus.GO, None),
        (True, A, False, SectionStatus.GO, None),
        (False, N, False, SectionStatus.NO_GO, None),  # agrees with the probes: no objection
        (False, G, False, SectionStatus.NO_GO, None),  # a GO never lifts a failing section
    ],
)
def test_objection_truth_table(
    passing: bool, answer: Answer, overruled: bool, status: SectionStatus, objection: str | None
) -> None:
    checklist = _ten()
    ticks = _ticked(checklist)
    if not passing:
        del ticks["c0"]
    measured = evaluate(checklist, {}, ticks)  # type: ignore[arg-type]
    answers = {"s0": PollAnswer("s0", answer, "op", T0, reason="too risky")}
    overrules = {"s0": Overrule("s0", "Carol", "fine", "op", T0)} if overruled else {}
    polled = apply_poll(measured, checklist.policy, answers, overrules)
    assert polled.sections[0].status is status
    assert polled.sections[0].objection == objection
    expected = Decision.GO if status is SectionStatus.GO else Decision.REVIEW
    assert polled.decision is expected


def test_answers_and_overrules_survive_a_replay(tmp_path: Path) -> None:
    checklist = _ten()
    path = tmp_path / "c.yaml"
    path.write_text(
        "title: T\nsections: [{id: s, title: S, criteria: [{id: a, title: A, manual: true}]}]\n"
    )
    loaded = load_checklist(path)
    journal = Journal.create(tmp_path / "ev", loaded, operator="op", release=None, now=lambda: T0)
    journal.poll_answer(PollAnswer("s0", Answer.NO_GO, "op", T0, reason="not ready"))
    journal.poll_overrule(Overrule("s0", "Carol", "ship it", "op", T0))
    journal.poll_answer(PollAnswer("s1", Answer.ABSENT, "op", T0, stand_in="Sub"))
    journal.poll_answer(PollAnswer("s1", Answer.GO, "op", T0, stand_in="Sub"))
    with pytest.raises(EvidenceError, match="a NO-GO needs a reason"):
        journal.poll_answer(PollAnswer("s2", Answer.NO_GO, "op", T0, reason="  "))
    with pytest.raises(EvidenceError, match="a reason is required"):
        journal.poll_overrule(Overrule("s0", "Carol", "", "op", T0))
    journal.close()
    state = load_journal(journal.path).state
    assert state.poll_answers["s0"].reason == "not ready"
    assert state.overrules["s0"].by == "Carol"
    assert state.poll_answers["s1"] == PollAnswer("s1", Answer.GO, "op", T0, stand_in="Sub")
    assert "s2" not in state.poll_answers
    resumable = find_resumable(tmp_path / "ev", loaded)
    assert resumable is not None
    assert resumable.summary().endswith("0 notes, 2 poll answers")
    del checklist


def test_a_new_answer_drops_the_overrule_of_the_old_objection(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        textwrap.dedent("""\
        title: T
        sections: [{id: s, title: S, criteria: [{id: a, title: A, manual: true}]}]
        """)
    )
    journal = Journal.create(
        tmp_path / "ev", load_checklist(path), operator="op", release=None, now=lambda: T0
    )
    journal.poll_answer(PollAnswer("s", Answer.NO_GO, "op", T0, reason="no"))
    journal.poll_overrule(Overrule("s", "Carol", "ship it", "op", T0))
    journal.poll_answer(PollAnswer("s", Answer.NO_GO, "op", T0, reason="worse now"))
    assert "s" not in journal.state.overrules
    journal.close()


def test_a_secret_in_an_owner_or_the_deployer_is_masked(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "title: T\nvariables: {TOKEN: {secret: true}}\n"
        "deployer: {role: Deployer, name: 'dee ${TOKEN}'}\n"
        "sections:\n  - id: s\n    title: S\n    owner: {role: DBA, principal: 'x${TOKEN}'}\n"
        "    criteria: [{id: a, title: A, manual: true}]\n"
    )
    checklist = load_checklist(path, environ={"TOKEN": "s3cr3t-value-123"})
    shown = repr(checklist.deployer) + repr(checklist.sections[0].owner)
    assert "s3cr3t-value-123" not in shown
    assert checklist.deployer is not None and checklist.deployer.name.startswith("dee ")
