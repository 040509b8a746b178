"""`--explain`: the printed sha256sum / grep / ssh-keygen commands really check the record."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from gonogo_tui.commands.exit_codes import EXIT_INTEGRITY, exit_code
from gonogo_tui.core.signing import explain_commands
from tests.core.signing.conftest import Team
from tests.core.signing.helpers import (
    STEM,
    public_line,
    seal,
    sign,
    verify,
    write_allowed_signers,
    write_record,
)


def _run(lines: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    script = "set -euo pipefail\n" + "\n".join(lines) + "\n"
    return subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, cwd=cwd, check=False
    )


def test_the_auditor_commands_pass_on_a_good_record(approved_go: Path, allowed: Path) -> None:
    lines = explain_commands(approved_go, allowed)
    verifies = [line for line in lines if line.startswith("ssh-keygen -Y verify")]
    assert len(verifies) == 6, "each approval at the decision time and at its signing time"
    assert all("-n gonogo-decision" in line for line in verifies)
    assert sum("-Overify-time=20261126101500Z" in line for line in verifies) == 3
    assert sum("-Overify-time=20261126102000Z" in line for line in verifies) == 3
    proc = _run(lines, approved_go.parent)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count('Good "gonogo-decision" signature for') == 6
    assert f"{STEM}.txt: OK" in proc.stdout and f"{STEM}.json: OK" in proc.stdout


def test_the_auditor_commands_fail_after_a_one_byte_edit(approved_go: Path, allowed: Path) -> None:
    lines = explain_commands(approved_go, allowed)
    data = bytearray(approved_go.read_bytes())
    data[0] ^= 0x01
    approved_go.write_bytes(bytes(data))
    proc = _run(lines, approved_go.parent)
    assert proc.returncode != 0
    assert f"{STEM}.txt: FAILED" in proc.stdout


def test_the_auditor_commands_fail_on_an_untrusted_signature(
    evidence: Path, team: Team, allowed: Path
) -> None:
    txt = write_record(evidence, decision="NO-GO")
    seal(txt)
    sign(txt, team.stranger)
    proc = _run(explain_commands(txt, allowed), evidence)
    assert proc.returncode != 0


def test_the_ledger_link_command_prints_the_previous_hash(
    approved_go: Path, team: Team, allowed: Path
) -> None:
    second = write_record(approved_go.parent, "go_decision_20261126_120000")
    seal(second)
    for person in (team.cto, team.devops, team.product):
        sign(second, person)
    lines = explain_commands(second, allowed)
    expected = next(line for line in lines if line.startswith("# 3. Ledger line 1 hashes to"))
    proc = _run(lines, approved_go.parent)
    assert proc.returncode == 0, proc.stderr
    previous_hash = re.search(r"[0-9a-f]{64}", expected)
    assert previous_hash is not None
    assert f"{previous_hash.group(0)}  -" in proc.stdout


def test_the_auditor_commands_fail_on_a_key_expired_before_it_signed(
    approved_go: Path, team: Team, tmp_path: Path
) -> None:
    """Valid at the decision (10:15), expired at the signing (10:20): gonogo refuses the
    approval, and so must the auditor's commands."""
    trust = write_allowed_signers(
        tmp_path / "trust4" / "allowed_signers", [team.devops, team.product]
    )
    with trust.open("a") as handle:
        handle.write(
            f'{team.cto.principal} namespaces="gonogo-decision",valid-before="20261126101700Z"'
            f" {public_line(team.cto.key)}\n"
        )
    assert exit_code(verify(approved_go, trust).failure) == EXIT_INTEGRITY
    proc = _run(explain_commands(approved_go, trust), approved_go.parent)
    assert proc.returncode != 0
    assert "key has expired" in proc.stderr
