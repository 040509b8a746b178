"""Approval rules as a truth table (pure, no keys)."""

from __future__ import annotations

import pytest

from gonogo_tui.commands.exit_codes import exit_code
from gonogo_tui.core.signing.policy import (
    DEFAULT_APPROVALS,
    Rule,
    SigningPolicy,
    Vote,
    evaluate_approvals,
    select_rule,
)

SEED = SigningPolicy.from_mapping(None)
OVERRIDE = {"reason": "outage", "risk_assessment": "low", "approvers": []}


def v(role: str, who: str, vote: str = "approve", key: str | None = None) -> Vote:
    return Vote(role, f"{who}@example.com", vote, key or f"SHA256:{who}")


CTO, DEVOPS, PO = v("cto", "alice"), v("devops-lead", "bob"), v("product-owner", "carol")
SE1, SE2 = v("senior-engineer", "dave"), v("senior-engineer", "erin")


@pytest.mark.parametrize(
    ("decision", "policy_decision", "mode", "rule"),
    [
        ("GO", "GO", "normal", Rule.GO),
        ("GO", "REVIEW", "review", Rule.REVIEW),
        ("GO", "NO-GO", "emergency", Rule.EMERGENCY),
        ("GO", "REVIEW", "emergency", Rule.EMERGENCY),
        ("NO-GO", "NO-GO", "normal", Rule.NO_GO),
        ("NO-GO", "REVIEW", "normal", Rule.NO_GO),
        ("NO-GO", "GO", "normal", Rule.NO_GO),
    ],
)
def test_rule_selection(decision: str, policy_decision: str, mode: str, rule: Rule) -> None:
    assert select_rule(decision, policy_decision, mode) is rule


@pytest.mark.parametrize(
    ("decision", "policy_decision", "mode", "signed", "code", "reason"),
    [
        ("GO", "GO", "normal", [CTO, DEVOPS, PO], 0, "go approvals met"),
        ("GO", "GO", "normal", [CTO, DEVOPS], 2, "missing approval from product-owner"),
        ("GO", "GO", "normal", [], 2, "cto, devops-lead, product-owner"),
        ("GO", "REVIEW", "review", [CTO], 0, "review approvals met"),
        ("GO", "REVIEW", "review", [DEVOPS, PO], 2, "missing approval from cto"),
        ("NO-GO", "NO-GO", "normal", [SE1], 0, "no-go approvals met"),
        ("NO-GO", "NO-GO", "normal", [], 2, "one of cto, devops-lead"),
        ("NO-GO", "NO-GO", "normal", [v("qa", "quinn")], 2, "missing approval"),
        ("GO", "NO-GO", "emergency", [CTO, SE1, SE2], 0, "emergency approvals met"),
        ("GO", "NO-GO", "emergency", [CTO, SE1], 2, "1 more senior-engineer"),
        ("GO", "NO-GO", "emergency", [SE1, SE2], 2, "missing approval from cto"),
        ("GO", "NO-GO", "emergency", [CTO, SE1, v("senior-engineer", "DAVE")], 2, "1 more"),
        ("GO", "NO-GO", "normal", [CTO, DEVOPS, PO], 3, "contradicts the rules' NO-GO"),
        ("GO", "GO", "normal", [CTO, v("devops-lead", "alice"), PO], 2, "both cto and devops"),
        ("GO", "GO", "normal", [CTO, DEVOPS, v("product-owner", "x", key="SHA256:bob")], 2, "key"),
        ("GO", "GO", "normal", [CTO, v("devops-lead", "bob", "reject"), PO], 2, "rejected by"),
        ("NO-GO", "NO-GO", "normal", [SE1, v("cto", "alice", "reject")], 2, "rejected by cto"),
    ],
)
def test_truth_table(
    decision: str, policy_decision: str, mode: str, signed: list[Vote], code: int, reason: str
) -> None:
    override = OVERRIDE if mode == "emergency" else None
    outcome = evaluate_approvals(
        SEED,
        decision=decision,
        policy_decision=policy_decision,
        mode=mode,
        override=override,
        signed=signed,
    )
    assert exit_code(outcome.failure) == code
    assert reason in outcome.reason


def test_rejection_outside_the_rule_does_not_block() -> None:
    outcome = evaluate_approvals(
        SEED,
        decision="GO",
        policy_decision="REVIEW",
        mode="review",
        override=None,
        signed=[CTO],
        recorded=[Vote("product-owner", "carol@example.com", "reject")],
    )
    assert outcome.satisfied


def test_recorded_votes_never_count_as_approvals() -> None:
    outcome = evaluate_approvals(
        SEED,
        decision="GO",
        policy_decision="GO",
        mode="normal",
        override=None,
        signed=[CTO],
        recorded=[Vote("devops-lead", "bob@example.com", "approve")],
    )
    assert outcome.missing == ("devops-lead", "product-owner")


def test_missing_keys_take_the_seed_defaults() -> None:
    policy = SigningPolicy.from_mapping({"go_requires": ["cto"]})
    assert policy.go_requires == ("cto",)
    assert policy.override_requires == (("cto", 1), ("senior-engineer", 2))
    assert SigningPolicy.from_mapping({}).to_json() == DEFAULT_APPROVALS


@pytest.mark.parametrize(
    "bad",
    [
        {"go_requires": "cto"},
        {"override_requires": {"cto": 0}},
        {"override_requires": ["cto"]},
        {"role_principals": ["alice"]},
    ],
)
def test_malformed_policies_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SigningPolicy.from_mapping(bad)


def test_strict_policies_refuse_unknown_keys() -> None:
    with pytest.raises(ValueError, match="unknown approval policy keys: go_require"):
        SigningPolicy.from_mapping({"go_require": ["cto"]}, strict=True)
