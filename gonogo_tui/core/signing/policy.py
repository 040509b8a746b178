"""Approval rules: which signed votes a GO, REVIEW, NO-GO or emergency record needs.

Pure functions, no I/O. Defaults come from the seed checklist: a GO needs the CTO, the
DevOps Lead and the Product Owner; a REVIEW recorded as GO needs the CTO; a NO-GO needs
any one listed approver; an emergency override needs the CTO plus two distinct senior
engineers. One person or one key never fills two roles, and a rejection from a role the
rule asks for blocks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gonogo_tui.core.signing.allowed_signers import match_pattern_list
from gonogo_tui.core.signing.outcome import Failure

DEFAULT_APPROVALS: dict[str, Any] = {
    "go_requires": ["cto", "devops-lead", "product-owner"],
    "review_requires": ["cto"],
    "no_go_any_of": ["cto", "devops-lead", "product-owner", "senior-engineer"],
    "override_requires": {"cto": 1, "senior-engineer": 2},
}
"""The seed checklist's approval rules; a record's `policy.approvals` overrides key by key."""

_KNOWN_KEYS = frozenset({*DEFAULT_APPROVALS, "role_principals"})


class Rule(StrEnum):
    """Which approval rule a record falls under."""

    GO = "go"
    REVIEW = "review"
    NO_GO = "no-go"
    EMERGENCY = "emergency"


def _roles(value: object, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(r, str) and r for r in value):
        raise ValueError(f"{key} must be a list of role ids")
    return tuple(value)


@dataclass(frozen=True)
class SigningPolicy:
    """The approval rules signatures are checked against, of one record (or of a trusted
    policy file); read from the checklist's `policy.approvals` (`checklist.ApprovalPolicy`,
    the configuration as written)."""

    go_requires: tuple[str, ...]
    """Every one of these roles must approve a GO."""
    review_requires: tuple[str, ...]
    """Every one of these roles must approve a GO that the rules called REVIEW."""
    no_go_any_of: tuple[str, ...]
    """Any one of these roles approving makes a NO-GO valid."""
    override_requires: tuple[tuple[str, int], ...]
    """(role, how many distinct people) for an emergency override."""
    role_principals: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Optional: role -> principal patterns allowed to sign as that role."""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None, *, strict: bool = False) -> SigningPolicy:
        """Build from a `policy.approvals` mapping; missing keys take the seed defaults.

        Args:
            data: The mapping, or None for the defaults.
            strict: Refuse unknown keys (for hand-written trusted policy files).

        Raises:
            ValueError: a key has the wrong shape.
        """
        if data is not None and not isinstance(data, Mapping):
            raise ValueError("the approval policy must be a mapping")
        merged = {**DEFAULT_APPROVALS, **(data or {})}
        unknown = set(merged) - _KNOWN_KEYS
        if strict and unknown:
            raise ValueError(f"unknown approval policy keys: {', '.join(sorted(unknown))}")
        override = merged["override_requires"]
        if not isinstance(override, Mapping) or not all(
            isinstance(role, str) and type(count) is int and count > 0
            for role, count in override.items()
        ):
            raise ValueError("override_requires must map role ids to positive counts")
        principals = merged.get("role_principals") or {}
        if not isinstance(principals, Mapping):
            raise ValueError("role_principals must map role ids to lists of principals")
        return cls(
            go_requires=_roles(merged["go_requires"], "go_requires"),
            review_requires=_roles(merged["review_requires"], "review_requires"),
            no_go_any_of=_roles(merged["no_go_any_of"], "no_go_any_of"),
            override_requires=tuple(sorted(override.items())),
            role_principals=tuple(
                sorted(
                    (role, _roles(value, f"role_principals.{role}"))
                    for role, value in principals.items()
                )
            ),
        )

    def to_json(self) -> dict[str, Any]:
        """The policy as a plain mapping (what the statement records)."""
        result: dict[str, Any] = {
            "go_requires": list(self.go_requires),
            "review_requires": list(self.review_requires),
            "no_go_any_of": list(self.no_go_any_of),
            "override_requires": dict(self.override_requires),
        }
        if self.role_principals:
            result["role_principals"] = {r: list(p) for r, p in self.role_principals}
        return result

    @property
    def roles(self) -> frozenset[str]:
        """Every role id the policy mentions."""
        return frozenset(
            {
                *self.go_requires,
                *self.review_requires,
                *self.no_go_any_of,
                *(role for role, _ in self.override_requires),
            }
        )

    def may_sign_as(self, role: str, principal: str) -> bool:
        """Whether `role_principals` (if it lists `role`) lets `principal` sign as it."""
        for listed_role, patterns in self.role_principals:
            if listed_role == role:
                return match_pattern_list(principal, ",".join(patterns)) == 1
        return True


@dataclass(frozen=True)
class Vote:
    """One approver's vote on a record."""

    role: str
    principal: str
    vote: str
    """`approve` or `reject`."""
    key_fingerprint: str | None = None
    """The signing key, for signed votes; None for votes only recorded in the meeting."""


@dataclass(frozen=True)
class Requirement:
    """`count` distinct people holding one of `roles` must approve."""

    roles: tuple[str, ...]
    count: int
    approved_by: tuple[str, ...] = ()
    """Principals whose signed approvals count towards this requirement."""

    @property
    def met(self) -> bool:
        """Whether enough people approved."""
        return len(self.approved_by) >= self.count

    @property
    def label(self) -> str:
        """Human text, e.g. `cto`, `2 senior-engineer`, `one of cto, devops-lead`."""
        who = self.roles[0] if len(self.roles) == 1 else "one of " + ", ".join(self.roles)
        return who if self.count == 1 else f"{self.count} {who}"

    @property
    def missing_label(self) -> str:
        """What is still missing, e.g. `1 more senior-engineer`."""
        remaining = self.count - len(self.approved_by)
        if remaining <= 0:
            return ""
        if self.count == 1:
            return self.label
        who = self.roles[0] if len(self.roles) == 1 else "of " + ", ".join(self.roles)
        return f"{remaining} more {who}"


@dataclass(frozen=True)
class PolicyOutcome:
    """What the approval rules say about a record's votes."""

    rule: Rule | None
    """The rule applied; None when the decision itself is inconsistent."""
    failure: Failure | None
    """None met, POLICY approvals do not meet the rule, DECISION the decision contradicts
    the rules."""
    reason: str
    """One line."""
    requirements: tuple[Requirement, ...] = ()
    rejections: tuple[str, ...] = ()
    """`role principal` of each rejection that blocks."""
    conflicts: tuple[str, ...] = field(default=())
    """One-line descriptions of people or keys filling two roles."""

    @property
    def satisfied(self) -> bool:
        """Whether the record's approvals meet its rule."""
        return self.failure is None

    @property
    def missing(self) -> tuple[str, ...]:
        """What is still needed, e.g. (`devops-lead`, `1 more senior-engineer`)."""
        return tuple(r.missing_label for r in self.requirements if not r.met)


class DecisionMismatch(ValueError):
    """The recorded decision does not follow from the rules' decision and the mode."""


def select_rule(decision: str, policy_decision: str, mode: str) -> Rule:
    """Pick the rule for a record.

    Raises:
        DecisionMismatch: a GO that the rules called NO-GO without an emergency override.
    """
    if decision == "NO-GO":
        return Rule.NO_GO
    if decision != "GO":
        raise DecisionMismatch(f"unknown decision {decision!r}")
    if mode == "emergency":
        return Rule.EMERGENCY
    if policy_decision == "GO":
        return Rule.GO
    if policy_decision == "REVIEW":
        return Rule.REVIEW
    raise DecisionMismatch(
        f"decision GO contradicts the rules' {policy_decision} without an emergency override"
    )


def _requirements(policy: SigningPolicy, rule: Rule) -> list[Requirement]:
    if rule is Rule.GO:
        return [Requirement((role,), 1) for role in policy.go_requires]
    if rule is Rule.REVIEW:
        return [Requirement((role,), 1) for role in policy.review_requires]
    if rule is Rule.EMERGENCY:
        return [Requirement((role,), count) for role, count in policy.override_requires]
    return [Requirement(policy.no_go_any_of, 1)] if policy.no_go_any_of else []


def _person(principal: str) -> str:
    return principal.casefold()


def find_conflicts(votes: Sequence[Vote]) -> list[str]:
    """People or keys that fill more than one role, or keys used by more than one person."""
    roles_by_person: dict[str, set[str]] = defaultdict(set)
    roles_by_key: dict[str, set[str]] = defaultdict(set)
    people_by_key: dict[str, set[str]] = defaultdict(set)
    for vote in votes:
        roles_by_person[_person(vote.principal)].add(vote.role)
        if vote.key_fingerprint:
            roles_by_key[vote.key_fingerprint].add(vote.role)
            people_by_key[vote.key_fingerprint].add(_person(vote.principal))
    conflicts = [
        f"{person} signs as both {' and '.join(sorted(roles))}"
        for person, roles in sorted(roles_by_person.items())
        if len(roles) > 1
    ]
    for key, people in sorted(people_by_key.items()):
        if len(people) > 1:
            conflicts.append(f"key {key} signs for {' and '.join(sorted(people))}")
        elif len(roles_by_key[key]) > 1:
            conflicts.append(f"key {key} signs as {' and '.join(sorted(roles_by_key[key]))}")
    return conflicts


def evaluate_approvals(
    policy: SigningPolicy,
    *,
    decision: str,
    policy_decision: str,
    mode: str,
    override: Mapping[str, Any] | None,
    signed: Sequence[Vote],
    recorded: Sequence[Vote] = (),
) -> PolicyOutcome:
    """Decide whether a record's signed votes satisfy its approval rule.

    Args:
        policy: The approval rules.
        decision: The record's final decision, `GO` or `NO-GO`.
        policy_decision: What the checklist rules said: `GO`, `REVIEW` or `NO-GO`.
        mode: `normal`, `review` or `emergency`.
        override: The record's emergency override block, if any.
        signed: Votes carried by valid signatures from trusted keys; only these count.
        recorded: Votes written into the record in the meeting; their rejections block.

    Returns:
        The outcome, with exit code 0, 2 or 3 and a one-line reason.
    """
    try:
        rule = select_rule(decision, policy_decision, mode)
    except DecisionMismatch as exc:
        return PolicyOutcome(None, Failure.DECISION, str(exc))
    if rule is Rule.EMERGENCY:
        override = override or {}
        for key, label in (("reason", "a reason"), ("risk_assessment", "a risk assessment")):
            value = override.get(key)
            if not isinstance(value, str) or not value.strip():
                return PolicyOutcome(rule, Failure.POLICY, f"emergency override without {label}")
    requirements = _requirements(policy, rule)
    if not requirements or any(r.count < 1 or not r.roles for r in requirements):
        return PolicyOutcome(rule, Failure.POLICY, f"the {rule} rule requires no approvals")
    conflicts = find_conflicts([*signed, *recorded])
    if conflicts:
        return PolicyOutcome(
            rule,
            Failure.POLICY,
            f"one person or key in two roles: {conflicts[0]}",
            conflicts=tuple(conflicts),
        )
    wrong_people = [v for v in signed if not policy.may_sign_as(v.role, v.principal)]
    if wrong_people:
        first = wrong_people[0]
        return PolicyOutcome(
            rule,
            Failure.POLICY,
            f"{first.principal} may not sign as {first.role} (role_principals)",
        )
    relevant = {role for r in requirements for role in r.roles}
    rejections = sorted(
        {
            f"{v.role} {v.principal}"
            for v in [*signed, *recorded]
            if v.vote == "reject" and v.role in relevant
        }
    )
    counted = []
    for requirement in requirements:
        approvers = sorted(
            {
                _person(v.principal)
                for v in signed
                if v.vote == "approve" and v.role in requirement.roles
            }
        )
        counted.append(Requirement(requirement.roles, requirement.count, tuple(approvers)))
    if rejections:
        return PolicyOutcome(
            rule,
            Failure.POLICY,
            f"rejected by {', '.join(rejections)}",
            tuple(counted),
            tuple(rejections),
        )
    outcome = PolicyOutcome(rule, None, "", tuple(counted))
    if outcome.missing:
        return PolicyOutcome(
            rule,
            Failure.POLICY,
            f"{rule} record is missing approval from {', '.join(outcome.missing)}",
            tuple(counted),
        )
    approved = "; ".join(f"{r.label}: {', '.join(r.approved_by)}" for r in counted)
    return PolicyOutcome(rule, None, f"{rule} approvals met ({approved})", tuple(counted))
