"""The ledger chain: edited, deleted, reordered or truncated entries are caught (exit 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gonogo_tui.commands.exit_codes import EXIT_INTEGRITY, EXIT_LEDGER, EXIT_OK, exit_code
from gonogo_tui.core.signing import verify_ledger
from gonogo_tui.core.signing._files import canonical_json, sha256_hex
from tests.core.signing.conftest import Team
from tests.core.signing.helpers import STEM, seal, sign, verify, write_record

STEMS = [STEM, "no_go_decision_20261126_110000", "go_decision_20261126_120000"]


@pytest.fixture
def three(evidence: Path, team: Team) -> Path:
    """Three sealed and signed records in one evidence folder."""
    for stem in STEMS:
        decision = "NO-GO" if stem.startswith("no_go") else "GO"
        txt = write_record(evidence, stem, decision=decision)
        seal(txt)
        signers = [team.devops] if decision == "NO-GO" else [team.cto, team.devops, team.product]
        for person in signers:
            sign(txt, person)
    return evidence


def _lines(evidence: Path) -> list[bytes]:
    return (evidence / "ledger.jsonl").read_bytes().splitlines()


def _write(evidence: Path, lines: list[bytes]) -> None:
    (evidence / "ledger.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))


def test_intact_ledger(three: Path, allowed: Path) -> None:
    report = verify_ledger(three)
    assert exit_code(report.failure) == EXIT_OK and report.entries == 3
    assert report.reason == f"ledger intact: 3 entries, head {sha256_hex(_lines(three)[-1])}"
    for stem in STEMS:
        assert exit_code(verify(three / f"{stem}.txt", allowed).failure) == EXIT_OK


def test_edited_entry_is_caught(three: Path, allowed: Path) -> None:
    lines = _lines(three)
    entry = json.loads(lines[1])
    entry["decision"] = "GO"
    lines[1] = canonical_json(entry)
    _write(three, lines)
    report = verify_ledger(three)
    assert exit_code(report.failure) == EXIT_LEDGER
    assert "line 3: prev_sha256 does not match line 2" in report.reason
    result = verify(three / f"{STEMS[0]}.txt", allowed)
    assert exit_code(result.failure) == EXIT_LEDGER and result.reason.startswith("ledger broken")


def test_edited_last_entry_is_caught(three: Path, allowed: Path) -> None:
    lines = _lines(three)
    entry = json.loads(lines[2])
    entry["recorded_at"] = "2026-11-25T00:00:00Z"
    lines[2] = canonical_json(entry)
    _write(three, lines)
    report = verify_ledger(three)
    assert exit_code(report.failure) == EXIT_LEDGER
    assert "entry 3 does not match" in report.reason
    result = verify(three / f"{STEMS[2]}.txt", allowed)
    assert exit_code(result.failure) == EXIT_LEDGER
    assert result.reason == "ledger broken: entry 3 does not match its statement"


def test_whitespace_edit_is_caught(three: Path) -> None:
    lines = _lines(three)
    lines[2] = lines[2].replace(b",", b", ", 1)
    _write(three, lines)
    assert "not in canonical form" in verify_ledger(three).reason


def test_deleted_entry_is_caught(three: Path, allowed: Path) -> None:
    lines = _lines(three)
    _write(three, [lines[0], lines[2]])
    report = verify_ledger(three)
    assert exit_code(report.failure) == EXIT_LEDGER
    assert "line 2: seq is 3, expected 2" in report.reason
    assert exit_code(verify(three / f"{STEMS[1]}.txt", allowed).failure) == EXIT_LEDGER


def test_reordered_entries_are_caught(three: Path) -> None:
    lines = _lines(three)
    _write(three, [lines[1], lines[0], lines[2]])
    report = verify_ledger(three)
    assert exit_code(report.failure) == EXIT_LEDGER
    assert "line 1: seq is 2, expected 1" in report.reason


def test_renumbered_reordering_is_caught(three: Path) -> None:
    lines = [json.loads(line) for line in _lines(three)]
    lines[0]["seq"], lines[1]["seq"] = 2, 1
    _write(three, [canonical_json(lines[1]), canonical_json(lines[0]), canonical_json(lines[2])])
    report = verify_ledger(three)
    assert exit_code(report.failure) == EXIT_LEDGER
    assert "prev_sha256 does not match" in report.reason


def test_truncated_signed_entry_is_caught(three: Path, allowed: Path) -> None:
    _write(three, _lines(three)[:2])
    report = verify_ledger(three)
    assert exit_code(report.failure) == EXIT_LEDGER
    assert "has signed approvals but no ledger entry" in report.reason
    result = verify(three / f"{STEMS[2]}.txt", allowed)
    assert exit_code(result.failure) == EXIT_LEDGER
    assert result.reason == f"{STEMS[2]} is not sealed: no entry in ledger.jsonl"


def test_truncating_several_entries_is_caught(three: Path) -> None:
    for document in three.glob("*.approval.*"):
        document.unlink()
    _write(three, _lines(three)[:1])
    report = verify_ledger(three)
    assert exit_code(report.failure) == EXIT_LEDGER
    assert "sealed as entry 3, which the ledger lacks" in report.reason


def test_deleted_record_is_caught(three: Path) -> None:
    (three / f"{STEMS[1]}.statement.json").unlink()
    report = verify_ledger(three)
    assert exit_code(report.failure) == EXIT_LEDGER
    assert f"entry 2: {STEMS[1]}.statement.json is missing" in report.reason


def test_replaced_statement_is_caught(three: Path, allowed: Path) -> None:
    statement = three / f"{STEMS[1]}.statement.json"
    statement.write_bytes(statement.read_bytes().replace(b'"sealed_at":"', b'"sealed_at":"1'))
    assert "does not match its sealed hash" in verify_ledger(three).reason
    assert exit_code(verify(three / f"{STEMS[1]}.txt", allowed).failure) == EXIT_INTEGRITY


def test_an_interrupted_seal_is_listed_not_broken(three: Path, allowed: Path) -> None:
    lines = _lines(three)
    for document in three.glob(f"{STEMS[2]}.approval.*"):
        document.unlink()
    _write(three, lines[:2])
    report = verify_ledger(three)
    assert exit_code(report.failure) == EXIT_OK
    assert report.unsealed == (STEMS[2],)
    assert report.reason.endswith("; 1 unsealed (interrupted)")
    fourth = write_record(three, "go_decision_20261126_130000")
    seal(fourth)
    report = verify_ledger(three)
    assert exit_code(report.failure) == EXIT_OK and report.entries == 3
    assert report.unsealed == (STEMS[2],)


def test_incomplete_last_line_is_caught(three: Path) -> None:
    ledger = three / "ledger.jsonl"
    ledger.write_bytes(ledger.read_bytes()[:-10])
    report = verify_ledger(three)
    assert exit_code(report.failure) == EXIT_LEDGER
    assert "last line is incomplete" in report.reason


def test_every_ledger_byte_flipped_is_a_broken_ledger(approved_go: Path, allowed: Path) -> None:
    ledger = approved_go.parent / "ledger.jsonl"
    original = ledger.read_bytes()
    codes, reports = set(), set()
    for index in range(len(original) - 1):
        for flip in (0x01, 0x02, 0x10):
            data = bytearray(original)
            data[index] ^= flip
            ledger.write_bytes(bytes(data))
            codes.add(exit_code(verify(approved_go, allowed).failure))
            reports.add(exit_code(verify_ledger(approved_go.parent).failure))
    assert codes == {EXIT_LEDGER} and reports == {EXIT_LEDGER}
