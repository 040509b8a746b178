"""Sealing writes the statement, then the ledger line; kill -9 leaves a whole record or none."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from gonogo_tui.commands.exit_codes import (
    EXIT_INTEGRITY,
    EXIT_LEDGER,
    EXIT_OK,
    EXIT_POLICY,
    exit_code,
)
from gonogo_tui.core.errors import EvidenceError, SigningError
from gonogo_tui.core.signing import verify_ledger
from gonogo_tui.core.signing.ledger import read_ledger
from tests.core.signing.conftest import Team
from tests.core.signing.helpers import STEM, seal, sign, verify, write_record

REPO = Path(__file__).resolve().parents[3]
SECOND = "no_go_decision_20261126_120000"

# Runs one step of the sealing or signing in a child that SIGKILLs itself just before
# its Nth call to a file-system primitive, so every crash point is visited in turn.
CRASH_CHILD = """
import os, signal, sys
from datetime import UTC, datetime
from pathlib import Path

from gonogo_tui.core.signing import seal_record
from gonogo_tui.core.signing.approvals import prepare_approval, store_approval, NAMESPACE
from gonogo_tui.core.signing.keygen import sign_message

kill_at, action, txt = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
now = lambda: datetime(2026, 11, 26, 12, 1, tzinfo=UTC)
if action == "sign":
    prepared = prepare_approval(
        txt, role="devops-lead", principal="bob@example.com", key_path=Path(sys.argv[4]),
        vote="approve", comment="", now=now,
    )
    signature = sign_message(prepared.document, Path(sys.argv[4]), namespace=NAMESPACE)
calls = 0

def arm(name):
    real = getattr(os, name)
    def wrapper(*args, **kwargs):
        global calls
        calls += 1
        if calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    setattr(os, name, wrapper)

for name in ("open", "write", "fsync", "fchmod", "close", "link", "replace", "unlink"):
    arm(name)
if action == "seal":
    seal_record(txt, txt.with_suffix(".json"), now=now)
else:
    store_approval(prepared, signature)
print(calls)
"""


def _run_child(
    kill_at: int, action: str, txt: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", CRASH_CHILD, str(kill_at), action, str(txt), *extra],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
        timeout=60,
    )


@pytest.fixture
def one_sealed(approved_go: Path) -> Path:
    """An evidence folder with one signed record and a second, written but not sealed."""
    write_record(approved_go.parent, SECOND, decision="NO-GO")
    return approved_go.parent


@pytest.mark.slow
def test_kill_9_at_every_step_of_sealing_leaves_a_whole_record_or_none(
    one_sealed: Path, allowed: Path, tmp_path: Path
) -> None:
    outcomes: Counter[str] = Counter()
    for kill_at in range(1, 200):
        work = tmp_path / f"run{kill_at}" / "evidence"
        shutil.copytree(one_sealed, work)
        txt = work / f"{SECOND}.txt"
        proc = _run_child(kill_at, "seal", txt)
        if proc.returncode == 0:
            outcomes["completed"] += 1
            break
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        report = verify_ledger(work)
        assert exit_code(report.failure) == EXIT_OK, report.reason
        assert exit_code(verify(work / f"{STEM}.txt", allowed).failure) == EXIT_OK
        result = verify(txt, allowed)
        if read_ledger(work / "ledger.jsonl").find(SECOND) is None:
            assert exit_code(result.failure) == EXIT_LEDGER, result.reason
            assert result.reason.startswith(f"{SECOND} is not sealed")
            outcomes["none"] += 1
            seal(txt)
        else:
            outcomes["whole"] += 1
            with pytest.raises(EvidenceError, match="already sealed"):
                seal(txt)
        healed = verify(txt, allowed)
        assert exit_code(healed.failure) == EXIT_POLICY, healed.reason
        assert "missing approval from one of cto" in healed.reason
        assert verify_ledger(work).entries == 2
    assert outcomes["completed"] == 1
    assert outcomes["none"] >= 10 and outcomes["whole"] >= 1, outcomes


@pytest.mark.slow
def test_kill_9_while_storing_a_signature_never_breaks_the_record(
    one_sealed: Path, team: Team, allowed: Path, tmp_path: Path
) -> None:
    seal(one_sealed / f"{SECOND}.txt")
    outcomes: Counter[str] = Counter()
    for kill_at in range(1, 200):
        work = tmp_path / f"run{kill_at}" / "evidence"
        shutil.copytree(one_sealed, work)
        txt = work / f"{SECOND}.txt"
        proc = _run_child(kill_at, "sign", txt, str(team.devops.key))
        if proc.returncode == 0:
            outcomes["completed"] += 1
            assert exit_code(verify(txt, allowed).failure) == EXIT_OK
            break
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        result = verify(txt, allowed)
        if exit_code(result.failure) == EXIT_POLICY:
            assert "missing approval" in result.reason
            outcomes["unsigned"] += 1
            sign(txt, team.devops)
        else:
            assert exit_code(result.failure) == EXIT_OK, result.reason
            outcomes["signed"] += 1
            with pytest.raises(SigningError, match="has already signed"):
                sign(txt, team.devops)
        assert exit_code(verify(txt, allowed).failure) == EXIT_OK
    assert outcomes["completed"] == 1, outcomes
    assert outcomes["unsigned"] >= 5 and outcomes["signed"] >= 1, outcomes


def test_the_statement_is_never_overwritten(evidence: Path) -> None:
    txt = write_record(evidence)
    statement = evidence / f"{STEM}.statement.json"
    statement.write_text("{}\n")
    with pytest.raises(EvidenceError, match="refusing to overwrite"):
        seal(txt)
    assert statement.read_text() == "{}\n"
    assert not (evidence / "ledger.jsonl").exists()


def test_sealing_twice_is_refused(approved_go: Path) -> None:
    before = (approved_go.parent / "ledger.jsonl").read_bytes()
    with pytest.raises(EvidenceError, match=f"{STEM} is already sealed"):
        seal(approved_go)
    assert (approved_go.parent / "ledger.jsonl").read_bytes() == before


def test_a_broken_ledger_blocks_sealing(approved_go: Path) -> None:
    ledger = approved_go.parent / "ledger.jsonl"
    ledger.write_bytes(ledger.read_bytes().replace(b'"GO"', b'"NO-GO"'))
    second = write_record(approved_go.parent, SECOND, decision="NO-GO")
    with pytest.raises(EvidenceError, match="refusing to extend it: entry 1 does not match"):
        seal(second)
    assert not (approved_go.parent / f"{SECOND}.statement.json").exists()


def test_an_invalid_record_names_the_field(evidence: Path) -> None:
    txt = write_record(evidence)
    data = json.loads(txt.with_suffix(".json").read_text())
    data["decision"] = "MAYBE"
    txt.with_suffix(".json").write_text(json.dumps(data))
    with pytest.raises(EvidenceError, match=f"{STEM}.json: decision: "):
        seal(txt)


def test_an_override_text_is_sealed_with_the_record(
    evidence: Path, team: Team, allowed: Path
) -> None:
    from gonogo_tui.core.signing import seal_record
    from tests.core.signing.helpers import SEALED_AT, Clock

    override = {"reason": "outage", "risk_assessment": "low", "approvers": []}
    txt = write_record(
        evidence, decision="GO", policy_decision="NO-GO", mode="emergency", override=override
    )
    extra = evidence / "emergency_override_20261126_101500.txt"
    extra.write_text("EMERGENCY OVERRIDE\n")
    seal_record(txt, txt.with_suffix(".json"), now=Clock(SEALED_AT), extra_files=[extra])
    for person in (team.cto, team.senior1, team.senior2):
        sign(txt, person)
    assert exit_code(verify(txt, allowed).failure) == EXIT_OK
    extra.write_text("EMERGENCY OVERRIDE (nobody approved this)\n")
    result = verify(txt, allowed)
    assert exit_code(result.failure) == EXIT_INTEGRITY
    assert result.reason.startswith(f"{extra.name} was altered")
