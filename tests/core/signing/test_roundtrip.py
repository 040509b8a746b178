"""Seal, sign and verify a record end to end, with real ssh-keygen keys."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gonogo_tui.commands.exit_codes import EXIT_OK, exit_code
from gonogo_tui.core.errors import SigningError
from gonogo_tui.core.signing import approval_status, verify_ledger
from gonogo_tui.core.signing._files import sha256_hex
from gonogo_tui.core.signing.statement import DECISION_PREDICATE_TYPE, STATEMENT_TYPE
from tests.core.signing.conftest import Team
from tests.core.signing.helpers import (
    STEM,
    Person,
    make_key,
    seal,
    sign,
    verify,
    write_record,
)


def test_signed_go_record_verifies(approved_go: Path, allowed: Path) -> None:
    result = verify(approved_go, allowed, expect_decision="GO")
    assert exit_code(result.failure) == EXIT_OK, result.reason
    assert result.ok and result.decision == "GO"
    assert "cto: alice@example.com" in result.reason
    assert {a.approval.role for a in result.approvals if a.approval} == {
        "cto",
        "devops-lead",
        "product-owner",
    }


def test_statement_names_both_files_by_sha256(approved_go: Path) -> None:
    evidence = approved_go.parent
    raw = (evidence / f"{STEM}.statement.json").read_bytes()
    statement = json.loads(raw)
    assert statement["_type"] == STATEMENT_TYPE
    assert statement["predicateType"] == DECISION_PREDICATE_TYPE
    assert statement["subject"] == [
        {"name": f"{STEM}.txt", "digest": {"sha256": sha256_hex(approved_go.read_bytes())}},
        {
            "name": f"{STEM}.json",
            "digest": {"sha256": sha256_hex((evidence / f"{STEM}.json").read_bytes())},
        },
    ]
    predicate = statement["predicate"]
    assert predicate["ledger"] == {"seq": 1, "prev_sha256": "0" * 64}
    assert predicate["decision"] == "GO" and predicate["mode"] == "normal"
    ledger_line = (evidence / "ledger.jsonl").read_bytes().splitlines()[0]
    assert json.loads(ledger_line)["statement_sha256"] == sha256_hex(raw)


def test_verify_accepts_the_json_or_the_statement_path(approved_go: Path, allowed: Path) -> None:
    for path in (approved_go.with_suffix(".json"), approved_go.parent / f"{STEM}.statement.json"):
        assert exit_code(verify(path, allowed).failure) == EXIT_OK


def test_approval_status_lists_missing_roles(evidence: Path, team: Team, allowed: Path) -> None:
    txt = write_record(evidence)
    seal(txt)
    sign(txt, team.cto)
    status = approval_status(txt, allowed)
    assert not status.satisfied
    assert status.missing == ("devops-lead", "product-owner")
    assert status.trusted
    sign(txt, team.devops)
    sign(txt, team.product)
    status = approval_status(txt, allowed)
    assert status.satisfied and status.missing == ()


def test_approval_status_without_allowed_signers_still_checks_signatures(
    approved_go: Path,
) -> None:
    status = approval_status(approved_go)
    assert status.satisfied and not status.trusted


def test_a_second_record_chains_to_the_first(approved_go: Path, team: Team, allowed: Path) -> None:
    evidence = approved_go.parent
    second = write_record(evidence, "no_go_decision_20261126_120000", decision="NO-GO")
    seal(second)
    sign(second, team.devops)
    assert exit_code(verify(second, allowed, expect_decision="NO-GO").failure) == EXIT_OK
    first_line, second_line = (evidence / "ledger.jsonl").read_bytes().splitlines()
    assert json.loads(second_line)["prev_sha256"] == sha256_hex(first_line)
    report = verify_ledger(evidence)
    assert exit_code(report.failure) == 0 and report.entries == 2
    assert report.head_sha256 == sha256_hex(second_line)


def test_approval_status_refuses_allowed_signers_from_the_evidence_folder(
    approved_go: Path, allowed: Path
) -> None:
    planted = approved_go.parent / "allowed_signers"
    planted.write_text(allowed.read_text())
    with pytest.raises(SigningError, match="inside the evidence folder"):
        approval_status(approved_go, planted)


def test_signing_is_refused_before_sealing_and_twice(evidence: Path, team: Team) -> None:
    txt = write_record(evidence)
    with pytest.raises(SigningError, match="is not sealed"):
        sign(txt, team.cto)
    seal(txt)
    sign(txt, team.cto)
    with pytest.raises(SigningError, match="alice@example.com has already signed"):
        sign(txt, team.cto)
    with pytest.raises(SigningError, match="qa is not a role in this record's policy"):
        sign(txt, team.cto, role="qa")
    with pytest.raises(SigningError, match="not a usable principal"):
        sign(txt, Person("cto", "*@example.com", team.cto.key))


def test_a_stale_pub_file_is_caught_when_signing(
    evidence: Path, team: Team, tmp_path: Path
) -> None:
    pem = make_key(tmp_path / "k", "zoe.pem", "ecdsa-256")
    subprocess.run(
        ["ssh-keygen", "-q", "-p", "-N", "", "-P", "", "-m", "PEM", "-f", str(pem)],
        check=True,
        capture_output=True,
    )
    assert pem.read_text().startswith("-----BEGIN EC PRIVATE KEY-----")
    shutil.copy(team.cto.key.with_name("alice.pub"), pem.with_name("zoe.pem.pub"))
    txt = write_record(evidence)
    seal(txt)
    with pytest.raises(SigningError, match="doesn.t match private"):
        sign(txt, Person("cto", "alice@example.com", pem))
    assert not list(evidence.glob("*.approval.*"))
