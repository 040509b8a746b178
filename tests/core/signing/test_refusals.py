"""Every way a record can be wrong is refused with its exit code and a one-line reason."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gonogo_tui.commands.exit_codes import (
    EXIT_DECISION,
    EXIT_INTEGRITY,
    EXIT_OK,
    EXIT_POLICY,
    exit_code,
)
from gonogo_tui.core.errors import SigningError
from gonogo_tui.core.signing import NAMESPACE, SigningPolicy, load_trusted_policy
from gonogo_tui.core.signing.approvals import prepare_approval
from gonogo_tui.core.signing.keygen import sign_message
from tests.core.signing.conftest import Team
from tests.core.signing.helpers import (
    SIGNED_AT,
    STEM,
    T0,
    Clock,
    Person,
    public_line,
    seal,
    sign,
    verify,
    write_allowed_signers,
    write_record,
)

OTHER_STEM = "go_decision_20261126_090000"


def _forge(txt: Path, person: Person, *, namespace: str, principal: str | None = None) -> Path:
    """Write an approval signed by `person`'s key outside gonogo's checks."""
    prepared = prepare_approval(
        txt,
        role=person.role,
        principal=principal or person.principal,
        key_path=person.key,
        vote="approve",
        comment="",
        now=Clock(SIGNED_AT),
    )
    signature = sign_message(prepared.document, person.key, namespace=namespace)
    prepared.document_path.write_bytes(prepared.document)
    prepared.signature_path.write_bytes(signature)
    return prepared.signature_path


def test_wrong_namespace_is_refused(evidence: Path, team: Team, allowed: Path) -> None:
    txt = write_record(evidence)
    seal(txt)
    sign(txt, team.devops)
    sign(txt, team.product)
    _forge(txt, team.cto, namespace="git")
    result = verify(txt, allowed)
    assert exit_code(result.failure) == EXIT_INTEGRITY
    assert "namespace 'git', not 'gonogo-decision'" in result.reason


def test_unknown_key_is_refused(evidence: Path, team: Team, allowed: Path) -> None:
    txt = write_record(evidence)
    seal(txt)
    sign(txt, team.devops)
    sign(txt, team.product)
    sign(txt, team.stranger)
    result = verify(txt, allowed)
    assert exit_code(result.failure) == EXIT_INTEGRITY
    assert "mallory@example.com is not listed" in result.reason


def test_a_stranger_claiming_a_trusted_principal_is_refused(
    evidence: Path, team: Team, allowed: Path
) -> None:
    txt = write_record(evidence)
    seal(txt)
    sign(txt, team.devops)
    sign(txt, team.product)
    _forge(txt, team.stranger, namespace=NAMESPACE, principal=team.cto.principal)
    result = verify(txt, allowed)
    assert exit_code(result.failure) == EXIT_INTEGRITY
    assert "is not an allowed key for alice@example.com" in result.reason


def test_expired_key_is_refused(approved_go: Path, team: Team, tmp_path: Path) -> None:
    others = [team.devops, team.product]
    trust = write_allowed_signers(tmp_path / "trust2" / "allowed_signers", others)
    with trust.open("a") as handle:
        handle.write(
            f'{team.cto.principal} namespaces="gonogo-decision",valid-before="20260101Z"'
            f" {public_line(team.cto.key)}\n"
        )
    result = verify(approved_go, trust)
    assert exit_code(result.failure) == EXIT_INTEGRITY
    assert "key has expired" in result.reason


def test_key_not_yet_valid_at_decision_time_is_refused(
    approved_go: Path, team: Team, tmp_path: Path
) -> None:
    trust = write_allowed_signers(
        tmp_path / "trust3" / "allowed_signers",
        team.trusted,
        options='namespaces="gonogo-decision",valid-after="20261127Z"',
    )
    result = verify(approved_go, trust)
    assert exit_code(result.failure) == EXIT_INTEGRITY
    assert "not yet valid at 2026-11-26T10:15:00Z" in result.reason


def test_signature_copied_from_another_record_is_refused(
    approved_go: Path, team: Team, allowed: Path
) -> None:
    evidence = approved_go.parent
    other = write_record(evidence, OTHER_STEM)
    seal(other)
    sign(other, team.devops)
    sign(other, team.product)
    for suffix in (".json", ".json.sig"):
        source = evidence / f"{STEM}.approval.cto.alice@example.com{suffix}"
        shutil.copy(source, evidence / f"{OTHER_STEM}.approval.cto.alice@example.com{suffix}")
    result = verify(other, allowed)
    assert exit_code(result.failure) == EXIT_INTEGRITY
    assert f"signs record {STEM}, not this sealed record" in result.reason


def test_signature_swapped_onto_another_approval_is_refused(
    approved_go: Path, allowed: Path
) -> None:
    evidence = approved_go.parent
    cto_sig = evidence / f"{STEM}.approval.cto.alice@example.com.json.sig"
    devops_sig = evidence / f"{STEM}.approval.devops-lead.bob@example.com.json.sig"
    shutil.copy(cto_sig, devops_sig)
    result = verify(approved_go, allowed)
    assert exit_code(result.failure) == EXIT_INTEGRITY
    assert "signature invalid" in result.reason


@pytest.mark.parametrize("suffix", [".txt", ".json"])
def test_a_record_altered_after_sealing_is_not_signed(
    sealed_record: Callable[..., Path], team: Team, suffix: str
) -> None:
    txt = sealed_record()
    changed = txt.with_suffix(suffix)
    changed.write_bytes(
        changed.read_bytes()
        .replace(b"olivia", b"mallet", 1)
        .replace(b"Checks Passed: 10/10", b"Checks Passed: 11/10")
    )
    with pytest.raises(SigningError, match=rf"refusing to sign: {STEM}\{suffix} was altered"):
        sign(txt, team.cto)
    assert not list(txt.parent.glob("*.approval.*")), "nothing signed, nothing written"


def test_removed_signature_fails_the_policy(approved_go: Path, allowed: Path) -> None:
    evidence = approved_go.parent
    (evidence / f"{STEM}.approval.devops-lead.bob@example.com.json.sig").unlink()
    result = verify(approved_go, allowed)
    assert exit_code(result.failure) == EXIT_POLICY
    assert result.reason == (
        "approvals do not meet the policy: go record is missing approval from devops-lead"
    )


def test_signature_without_its_document_is_refused(approved_go: Path, allowed: Path) -> None:
    evidence = approved_go.parent
    (evidence / f"{STEM}.approval.devops-lead.bob@example.com.json").unlink()
    result = verify(approved_go, allowed)
    assert exit_code(result.failure) == EXIT_INTEGRITY
    assert "signature without its approval document" in result.reason


def test_one_person_in_two_roles_is_refused(evidence: Path, team: Team, allowed: Path) -> None:
    txt = write_record(evidence)
    seal(txt)
    sign(txt, team.cto)
    sign(txt, team.cto, role="devops-lead")
    sign(txt, team.product)
    result = verify(txt, allowed)
    assert exit_code(result.failure) == EXIT_POLICY
    assert "alice@example.com signs as both cto and devops-lead" in result.reason


def test_one_key_for_two_people_is_refused(evidence: Path, team: Team, tmp_path: Path) -> None:
    trust = write_allowed_signers(tmp_path / "t" / "allowed_signers", team.trusted)
    with trust.open("a") as handle:
        handle.write(f"al@example.com {public_line(team.cto.key)}\n")
    txt = write_record(evidence)
    seal(txt)
    sign(txt, team.cto)
    sign(txt, Person("devops-lead", "al@example.com", team.cto.key))
    sign(txt, team.product)
    result = verify(txt, trust)
    assert exit_code(result.failure) == EXIT_POLICY
    assert "signs for al@example.com and alice@example.com" in result.reason


def _emergency(evidence: Path) -> Path:
    override = {
        "reason": "payment outage fix",
        "risk_assessment": "rollback in 2 minutes",
        "approvers": [],
    }
    txt = write_record(
        evidence, decision="GO", policy_decision="NO-GO", mode="emergency", override=override
    )
    seal(txt)
    return txt


def test_override_with_too_few_senior_engineers_is_refused(
    evidence: Path, team: Team, allowed: Path
) -> None:
    txt = _emergency(evidence)
    sign(txt, team.cto)
    sign(txt, team.senior1)
    result = verify(txt, allowed)
    assert exit_code(result.failure) == EXIT_POLICY
    assert "missing approval from 1 more senior-engineer" in result.reason
    sign(txt, team.senior2)
    assert exit_code(verify(txt, allowed).failure) == EXIT_OK


def test_two_senior_engineers_whose_principals_spell_alike_both_sign(
    evidence: Path, team: Team, tmp_path: Path
) -> None:
    """`张伟@example.com` and `李娜@example.com` are both `__@example.com` in safe
    characters: the second must not be refused as having signed already."""
    seniors = [
        Person("senior-engineer", "张伟@example.com", team.senior1.key),
        Person("senior-engineer", "李娜@example.com", team.senior2.key),
    ]
    allowed = write_allowed_signers(tmp_path / "trust" / "allowed_signers", [team.cto, *seniors])
    txt = _emergency(evidence)
    for person in (team.cto, *seniors):
        sign(txt, person)
    result = verify(txt, allowed)
    assert exit_code(result.failure) == EXIT_OK, result.reason
    assert "senior-engineer: 张伟@example.com, 李娜@example.com" in result.reason
    assert len(list(evidence.glob("*.approval.senior-engineer.*.json.sig"))) == 2


def test_override_without_risk_assessment_is_refused(
    evidence: Path, team: Team, allowed: Path
) -> None:
    override = {"reason": "outage", "risk_assessment": " ", "approvers": []}
    txt = write_record(
        evidence, decision="GO", policy_decision="NO-GO", mode="emergency", override=override
    )
    seal(txt)
    for person in (team.cto, team.senior1, team.senior2):
        sign(txt, person)
    result = verify(txt, allowed)
    assert exit_code(result.failure) == EXIT_POLICY
    assert "emergency override without a risk assessment" in result.reason


def test_signed_rejection_from_a_required_role_blocks(
    evidence: Path, team: Team, allowed: Path
) -> None:
    txt = write_record(evidence)
    seal(txt)
    sign(txt, team.cto)
    sign(txt, team.devops, vote="reject")
    sign(txt, team.product)
    result = verify(txt, allowed)
    assert exit_code(result.failure) == EXIT_POLICY
    assert "rejected by devops-lead bob@example.com" in result.reason


def test_rejection_recorded_in_the_meeting_blocks(
    evidence: Path, team: Team, allowed: Path
) -> None:
    vote = {"role": "product-owner", "principal": "carol@example.com", "vote": "reject"}
    txt = write_record(evidence, approvals=[{**vote, "comment": "", "at": "2026-11-26T10:14Z"}])
    seal(txt)
    for person in (team.cto, team.devops, team.product):
        sign(txt, person)
    result = verify(txt, allowed)
    assert exit_code(result.failure) == EXIT_POLICY
    assert "rejected by product-owner carol@example.com" in result.reason


def test_no_go_edited_into_go_is_caught(evidence: Path, team: Team, allowed: Path) -> None:
    txt = write_record(evidence, decision="NO-GO")
    seal(txt)
    sign(txt, team.devops)
    assert exit_code(verify(txt, allowed).failure) == EXIT_OK
    json_path = txt.with_suffix(".json")
    json_path.write_text(json_path.read_text().replace('"NO-GO"', '"GO"'))
    txt.write_text(txt.read_text().replace("NO-GO ❌", "GO ✅"))
    result = verify(txt, allowed, expect_decision="GO")
    assert exit_code(result.failure) == EXIT_INTEGRITY
    assert result.reason == f"{STEM}.txt was altered: it does not match its sealed statement"


def test_go_against_a_no_go_policy_decision_is_a_decision_mismatch(
    sealed_record: Callable[..., Path], team: Team, allowed: Path
) -> None:
    txt = sealed_record(decision="GO", policy_decision="NO-GO")
    for person in (team.cto, team.devops, team.product):
        sign(txt, person)
    result = verify(txt, allowed)
    assert exit_code(result.failure) == EXIT_DECISION
    assert "decision GO contradicts the rules' NO-GO" in result.reason


@pytest.mark.parametrize(
    ("policy_decision", "mode", "no_go", "sections_go", "code", "message"),
    [
        # Two sections NO-GO written as REVIEW: the CTO alone would open the gate.
        (
            "REVIEW",
            "review",
            2,
            8,
            EXIT_DECISION,
            "says the rules gave REVIEW, but 2 of 10 sections NO-GO give NO-GO by its policy",
        ),
        (
            "GO",
            "normal",
            1,
            9,
            EXIT_DECISION,
            "says the rules gave GO, but 1 of 10 sections NO-GO give REVIEW by its policy",
        ),
        (
            "GO",
            "normal",
            1,
            10,
            EXIT_INTEGRITY,
            "sections_go 10/10 does not match its sections (9/10 GO)",
        ),
    ],
)
def test_a_go_kinder_than_its_own_sections_is_refused(
    evidence: Path,
    team: Team,
    allowed: Path,
    policy_decision: str,
    mode: str,
    no_go: int,
    sections_go: int,
    code: int,
    message: str,
) -> None:
    txt = write_record(evidence, policy_decision="GO", mode=mode)
    json_path = txt.with_suffix(".json")
    data = json.loads(json_path.read_text())
    for section in data["sections"][:no_go]:
        section["status"] = "NO-GO"
    data.update(policy_decision=policy_decision, sections_go=sections_go)
    json_path.write_text(json.dumps(data, indent=2) + "\n")
    seal(txt)
    for person in (team.cto, team.devops, team.product):
        sign(txt, person)
    result = verify(txt, allowed)
    assert exit_code(result.failure) == code
    assert message in result.reason


def test_expectations_are_checked(approved_go: Path, allowed: Path) -> None:
    wrong = verify(approved_go, allowed, expect_decision="NO-GO")
    assert (exit_code(wrong.failure), wrong.reason) == (
        EXIT_DECISION,
        "decision is GO, expected NO-GO",
    )
    stale = verify(
        approved_go, allowed, max_age=timedelta(hours=24), now=Clock(T0 + timedelta(hours=26))
    )
    assert exit_code(stale.failure) == EXIT_DECISION
    assert stale.reason == "decision is 26h old, older than --max-age 24h"
    fresh = verify(
        approved_go, allowed, max_age=timedelta(hours=24), now=Clock(T0 + timedelta(hours=23))
    )
    assert exit_code(fresh.failure) == EXIT_OK
    future = verify(approved_go, allowed, now=Clock(T0 - timedelta(hours=1)))
    assert exit_code(future.failure) == EXIT_DECISION and "in the future" in future.reason


def test_planted_allowed_signers_is_refused(
    approved_go: Path, team: Team, allowed: Path, tmp_path: Path
) -> None:
    evidence = approved_go.parent
    attacker = Person("cto", team.cto.principal, team.stranger.key)
    planted = write_allowed_signers(
        evidence / "allowed_signers", [attacker, team.devops, team.product]
    )
    (evidence / f"{STEM}.approval.cto.alice@example.com.json.sig").unlink()
    (evidence / f"{STEM}.approval.cto.alice@example.com.json").unlink()
    sign(approved_go, attacker)
    refused = verify(approved_go, planted)
    assert exit_code(refused.failure) == EXIT_INTEGRITY
    assert "it is inside the evidence folder" in refused.reason
    link = tmp_path / "innocent_looking"
    link.symlink_to(planted)
    assert "inside the evidence folder" in verify(approved_go, link).reason
    ignored = verify(approved_go, allowed)
    assert exit_code(ignored.failure) == EXIT_INTEGRITY
    assert "is not an allowed key for alice@example.com" in ignored.reason


def test_weakened_policy_is_caught_by_a_trusted_policy(
    sealed_record: Callable[..., Path], team: Team, allowed: Path, tmp_path: Path
) -> None:
    txt = sealed_record(approvals_policy={"go_requires": ["cto"]})
    sign(txt, team.cto)
    assert exit_code(verify(txt, allowed).failure) == EXIT_OK
    trusted = tmp_path / "trust" / "policy.yaml"
    trusted.write_text(
        "policy:\n  approvals:\n    go_requires: [cto, devops-lead, product-owner]\n"
    )
    result = verify(txt, allowed, trusted_policy=trusted)
    assert exit_code(result.failure) == EXIT_POLICY
    assert "approval policy differs from the trusted" in result.reason


def test_trusted_role_principals_bind_people_to_roles(
    sealed_record: Callable[..., Path], team: Team, allowed: Path, tmp_path: Path
) -> None:
    txt = sealed_record()
    sign(txt, team.senior1, role="cto")
    sign(txt, team.devops)
    sign(txt, team.product)
    assert exit_code(verify(txt, allowed).failure) == EXIT_OK
    trusted = tmp_path / "trust" / "policy.yaml"
    trusted.write_text("approvals:\n  role_principals:\n    cto: [alice@example.com]\n")
    result = verify(txt, allowed, trusted_policy=trusted)
    assert exit_code(result.failure) == EXIT_POLICY
    assert result.reason.endswith("dave@example.com may not sign as cto (role_principals)")


def test_a_policy_that_requires_nobody_is_refused(
    sealed_record: Callable[..., Path], allowed: Path
) -> None:
    txt = sealed_record(approvals_policy={"go_requires": []})
    result = verify(txt, allowed)
    assert exit_code(result.failure) == EXIT_POLICY
    assert "the go rule requires no approvals" in result.reason


def test_unsigned_approval_document_counts_for_nothing(approved_go: Path, allowed: Path) -> None:
    evidence = approved_go.parent
    (evidence / f"{STEM}.approval.product-owner.carol@example.com.json.sig").unlink()
    result = verify(approved_go, allowed)
    assert exit_code(result.failure) == EXIT_POLICY
    assert "missing approval from product-owner" in result.reason


@pytest.fixture
def pristine(approved_go: Path, allowed: Path) -> tuple[Path, Path]:
    assert exit_code(verify(approved_go, allowed).failure) == EXIT_OK
    return approved_go.parent, allowed


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    which=st.sampled_from([".txt", ".json", ".statement.json"]),
    position=st.floats(min_value=0, max_value=1, exclude_max=True),
    flip=st.integers(min_value=1, max_value=255),
)
def test_any_flipped_byte_is_caught(
    pristine: tuple[Path, Path], which: str, position: float, flip: int
) -> None:
    evidence, allowed = pristine
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "evidence"
        shutil.copytree(evidence, copy)
        target = copy / f"{STEM}{which}"
        data = bytearray(target.read_bytes())
        index = int(position * len(data))
        data[index] ^= flip
        target.write_bytes(bytes(data))
        result = verify(copy / f"{STEM}.txt", allowed)
    assert exit_code(result.failure) == EXIT_INTEGRITY, result.reason


@pytest.mark.parametrize(
    "text",
    [
        "title: t\nsections: []\n",
        "title: t\npolicy:\n  go_max_no_go: 0\nsections: []\n",
        "title: t\npolicy:\n  approvals:\n    review_requires: [cto]\nsections: []\n",
        "approvals:\n  no_go_any_of: [cto, devops-lead, product-owner, senior-engineer]\n",
        "go_requires: [cto, devops-lead, product-owner]\n",
    ],
)
def test_trusted_policy_files_take_the_seed_defaults(text: str, tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    assert load_trusted_policy(path) == SigningPolicy.from_mapping(None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- cto\n", "expected a checklist or an approvals mapping"),
        ("approvals:\n  go_require: [cto]\n", "unknown approval policy keys: go_require"),
        ("approvals: [\n", ":2: invalid YAML in the approval policy: expected the node content"),
    ],
)
def test_bad_trusted_policy_files_are_refused(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(SigningError, match=re.escape(message)) as caught:
        load_trusted_policy(path)
    assert "\n" not in str(caught.value), "verify prints one line"


def test_every_statement_byte_flipped_is_refused_without_crashing(
    pristine: tuple[Path, Path],
) -> None:
    evidence, allowed = pristine
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "evidence"
        shutil.copytree(evidence, copy)
        target = copy / f"{STEM}.statement.json"
        original = target.read_bytes()
        codes = set()
        # Every byte flipped once, the flipped bit varying along the file (a low bit turns a
        # digit into another digit, 0x10 a letter into a digit or punctuation).
        for index in range(len(original)):
            data = bytearray(original)
            data[index] ^= (0x01, 0x02, 0x10)[index % 3]
            target.write_bytes(bytes(data))
            codes.add(exit_code(verify(copy / f"{STEM}.txt", allowed).failure))
    assert codes == {EXIT_INTEGRITY}


def test_every_approval_byte_flipped_is_refused(pristine: tuple[Path, Path]) -> None:
    evidence, allowed = pristine
    target = evidence / f"{STEM}.approval.devops-lead.bob@example.com.json"
    original = target.read_bytes()
    codes = set()
    for index in range(len(original)):
        data = bytearray(original)
        data[index] ^= 0x04
        target.write_bytes(bytes(data))
        codes.add(exit_code(verify(evidence / f"{STEM}.txt", allowed).failure))
    assert codes == {EXIT_INTEGRITY}
