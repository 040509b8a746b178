"""The poll: going around the room, one section owner at a time, every answer recorded.

Pure rules, no I/O and no clock. Each section with an owner is a seat; the operator records
the owner's GO, NO-GO (a reason is required) or ABSTAIN, or ABSENT (optionally with a
stand-in, who then answers for the section). An owner's NO-GO on a section whose criteria
all pass is an objection: it makes the section NO-GO unless the CTO overrules it with a
reason. `policy.quorum` asks for answers (GO, NO-GO or ABSTAIN, a stand-in's included)
from every owner (`all`) or from N of them.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gonogo_tui.core.checklist import Checklist, Owner, Policy, Section
from gonogo_tui.core.clock import iso_utc, parse_iso
from gonogo_tui.core.evaluation import Evaluation, SectionStatus, decide


class Answer(enum.StrEnum):
    """What an owner said when asked."""

    GO = "GO"
    NO_GO = "NO-GO"
    ABSTAIN = "ABSTAIN"
    ABSENT = "ABSENT"
    """Not in the room; a stand-in may answer instead."""


VOICES = (Answer.GO, Answer.NO_GO, Answer.ABSTAIN)
"""The answers that count towards the quorum."""


@dataclass(frozen=True)
class PollAnswer:
    """One owner's answer for one section (the latest for a section stands)."""

    section_id: str
    answer: Answer
    operator: str
    """Who typed it in."""
    at: datetime
    reason: str = ""
    stand_in: str = ""
    """Who answered in the owner's place (the owner is absent)."""

    def to_fields(self) -> dict[str, str]:
        """The journal line's fields (its time goes beside, as `at`)."""
        return {
            "section_id": self.section_id,
            "answer": self.answer.value,
            "operator": self.operator,
            "reason": self.reason,
            "stand_in": self.stand_in,
        }

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> PollAnswer:
        """Read back a journal line.

        Raises:
            KeyError, ValueError: not a poll answer.
        """
        return cls(
            section_id=str(fields["section_id"]),
            answer=Answer(str(fields["answer"])),
            operator=str(fields["operator"]),
            at=parse_iso(str(fields["at"])),
            reason=str(fields.get("reason", "")),
            stand_in=str(fields.get("stand_in", "")),
        )


@dataclass(frozen=True)
class Overrule:
    """The CTO overruling an owner's objection, with a reason."""

    section_id: str
    by: str
    """The CTO's name."""
    reason: str
    operator: str
    at: datetime


@dataclass(frozen=True)
class Seat:
    """A section with an owner to ask."""

    section: Section
    owner: Owner
    number: int
    """1-based position of the section in the checklist."""


def seats(checklist: Checklist) -> tuple[Seat, ...]:
    """Every section that names an owner, in checklist order."""
    return tuple(
        Seat(section, owner, number)
        for number, section in enumerate(checklist.sections, start=1)
        if (owner := section.poll_owner) is not None
    )


def answer_refusal(answer: Answer, reason: str) -> str | None:
    """Why this answer cannot be recorded as given, or None."""
    if answer is Answer.NO_GO and not reason.strip():
        return "a NO-GO needs a reason (what would have to change)"
    return None


def overrule_refusal(by: str, reason: str) -> str | None:
    """Why this overrule cannot be recorded, or None."""
    if not by.strip():
        return "the CTO's name is required to overrule an objection"
    if not reason.strip():
        return "a reason is required to overrule an objection"
    return None


def is_objection(section_status: SectionStatus, answer: PollAnswer | None) -> bool:
    """An owner's NO-GO on a section whose criteria all pass."""
    return (
        answer is not None and answer.answer is Answer.NO_GO and section_status is SectionStatus.GO
    )


def apply_poll(
    evaluation: Evaluation,
    policy: Policy,
    answers: Mapping[str, PollAnswer],
    overrules: Mapping[str, Overrule],
) -> Evaluation:
    """The evaluation with each sustained objection's section NO-GO, and the decision again.

    Args:
        evaluation: the criteria's own evaluation (before the poll).
        answers: the latest answer per section id.
        overrules: the CTO's overrules per section id.
    """
    changed = False
    sections = []
    for section in evaluation.sections:
        answer = answers.get(section.section.id)
        if is_objection(section.status, answer) and section.section.id not in overrules:
            assert answer is not None
            section = dataclasses.replace(
                section, status=SectionStatus.NO_GO, objection=answer.reason
            )
            changed = True
        sections.append(section)
    if not changed:
        return evaluation
    no_go = sum(1 for s in sections if s.status is SectionStatus.NO_GO)
    critical = len(evaluation.critical_blockers)
    decision = decide(policy, no_go, len(sections), critical_blocking=critical)
    return Evaluation(decision=decision, sections=tuple(sections))


@dataclass(frozen=True)
class QuorumStatus:
    """How many owners answered against what the policy asks."""

    required: str | int | None
    """The policy's `quorum`: None (no quorum), `all` or N."""
    owners: int
    answered: int

    @property
    def needed(self) -> int:
        """Answers the policy needs (0 without a quorum)."""
        if self.required is None:
            return 0
        return self.owners if self.required == "all" else int(self.required)

    @property
    def met(self) -> bool:
        """Whether enough owners answered."""
        return self.answered >= self.needed

    @property
    def text(self) -> str:
        """`quorum met: 10 of 10 answered (policy: all)` or `no quorum required ...`."""
        got = f"{self.answered} of {self.owners} owners answered"
        if self.required is None:
            return f"{got} (no quorum required)"
        state = "met" if self.met else f"NOT met, {self.needed} needed"
        return f"quorum {state}: {got} (policy: {self.required})"


def quorum_status(
    policy: Policy, owners: Iterable[Seat], answers: Mapping[str, PollAnswer]
) -> QuorumStatus:
    """Count the seats whose latest answer is a voice (GO, NO-GO, ABSTAIN)."""
    ids = [seat.section.id for seat in owners]
    answered = sum(1 for sid in ids if sid in answers and answers[sid].answer in VOICES)
    return QuorumStatus(policy.quorum, len(ids), answered)


def poll_record(
    checklist: Checklist,
    raw: Evaluation,
    answers: Mapping[str, PollAnswer],
    overrules: Mapping[str, Overrule],
) -> dict[str, Any] | None:
    """The record's `poll`: every owner with their answer, objections first; None when the
    checklist names no owner, no deployer and asks for no quorum.

    Args:
        raw: the criteria's own evaluation (before the poll), which tells objections.
    """
    all_seats = seats(checklist)
    deployer = checklist.deployer
    if not all_seats and deployer is None and checklist.policy.quorum is None:
        return None
    status_of = {s.section.id: s.status for s in raw.sections}
    entries = []
    for seat in all_seats:
        sid = seat.section.id
        answer = answers.get(sid)
        overrule = overrules.get(sid)
        objection = is_objection(status_of.get(sid, SectionStatus.NO_GO), answer)
        entries.append(
            {
                "section_id": sid,
                "section_title": seat.section.title,
                "role": seat.owner.role,
                "owner": seat.owner.who,
                "principal": seat.owner.signer,
                "answer": answer.answer.value if answer else None,
                "reason": answer.reason if answer else "",
                "stand_in": answer.stand_in if answer else "",
                "at": iso_utc(answer.at) if answer else None,
                "operator": answer.operator if answer else None,
                "objection": objection,
                "overruled": None
                if not objection or overrule is None
                else {"by": overrule.by, "reason": overrule.reason, "at": iso_utc(overrule.at)},
            }
        )
    entries.sort(key=lambda entry: not entry["objection"])  # stable: objections first
    quorum = quorum_status(checklist.policy, all_seats, answers)
    return {
        "owners": len(all_seats),
        "answered": quorum.answered,
        "quorum": {"required": quorum.required, "needed": quorum.needed, "met": quorum.met},
        "deployer": None
        if deployer is None
        else {"role": deployer.role, "name": deployer.who, "principal": deployer.signer},
        "answers": entries,
    }


def same_person(a: str, b: str) -> bool:
    """One principal however typed: case, repeated spaces, full-width letters."""

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    return bool(norm(a)) and norm(a) == norm(b)


def self_approval_refusal(
    policy: Mapping[str, Any], poll: Mapping[str, Any] | None, principal: str, role: str
) -> str | None:
    """Why `principal` may not sign as `role` on a record with this `policy` and `poll`
    (the record JSON's): the release's deployer approving it under `no_self_approval`."""
    if not policy.get("no_self_approval") or not isinstance(poll, Mapping):
        return None
    deployer = poll.get("deployer")
    if not isinstance(deployer, Mapping):
        return None
    names = [str(deployer.get("principal") or ""), str(deployer.get("name") or "")]
    if any(same_person(principal, name) for name in names if name):
        return (
            f"{principal} deploys this release and cannot approve it as {role}"
            " (policy.no_self_approval)"
        )
    return None


def self_approval_in_record(json_bytes: bytes, principal: str, role: str) -> str | None:
    """`self_approval_refusal` for a record's JSON bytes (None when they do not parse: the
    integrity checks say so)."""
    try:
        raw = json.loads(json_bytes)
    except ValueError:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("policy"), Mapping):
        return None
    return self_approval_refusal(raw["policy"], raw.get("poll"), principal, role)


def quorum_finding(record: Mapping[str, Any]) -> str | None:
    """What a GO record's poll lacks against its policy's quorum, recounted from its
    answers (not from its own `met`), or None."""
    policy = record.get("policy")
    required = policy.get("quorum") if isinstance(policy, Mapping) else None
    if required is None or record.get("decision") != "GO":
        return None
    poll = record.get("poll")
    entries = poll.get("answers") if isinstance(poll, Mapping) else None
    if not isinstance(entries, list):
        return f"the policy requires a quorum ({required}) but the record has no poll"
    voices = {answer.value for answer in VOICES}
    answered = sum(1 for e in entries if isinstance(e, Mapping) and e.get("answer") in voices)
    needed = len(entries) if required == "all" else int(required)
    if answered < needed:
        return (
            f"quorum not met: {answered} of {len(entries)} owners answered the poll, the"
            f" policy needs {needed} ({required})"
        )
    return None


__all__ = [
    "VOICES",
    "Answer",
    "Overrule",
    "PollAnswer",
    "QuorumStatus",
    "Seat",
    "answer_refusal",
    "apply_poll",
    "is_objection",
    "overrule_refusal",
    "poll_record",
    "quorum_finding",
    "quorum_status",
    "same_person",
    "seats",
    "self_approval_in_record",
    "self_approval_refusal",
]
