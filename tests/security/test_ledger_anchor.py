"""`gonogo verify-ledger --expect-head / --min-entries`: deleting the latest record and its
ledger line leaves an intact chain, which an anchor kept elsewhere catches (exit 3)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from gonogo_tui.core.signing import seal_record
from tests.core.signing.helpers import T0, write_record
from tests.security.helpers import REPO, gonogo, one_line

FIRST, SECOND = "go_decision_20261126_101500", "no_go_decision_20261126_111500"


def _cut_latest(evidence: Path) -> None:
    """The attack: the latest record's files and its ledger line removed."""
    for path in evidence.glob(f"{SECOND}*"):
        path.unlink()
    ledger = evidence / "ledger.jsonl"
    ledger.write_bytes(b"".join(ledger.read_bytes().splitlines(keepends=True)[:-1]))


def _head(evidence: Path) -> str:
    done = gonogo("verify-ledger", "--json", cwd=evidence.parent)
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["head_sha256"])


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    """Two sealed records: a GO, then a NO-GO."""
    folder = tmp_path / "evidence"
    for stem, decision, at in ((FIRST, "GO", T0), (SECOND, "NO-GO", T0 + timedelta(hours=1))):
        txt = write_record(folder, stem, decision=decision, decided_at=at)
        seal_record(txt, txt.with_suffix(".json"), now=lambda at=at: at)
    return folder


def test_the_anchors_pass_on_the_anchored_ledger(evidence: Path) -> None:
    head = _head(evidence)
    done = gonogo("verify-ledger", "--expect-head", head.upper(), "--min-entries", "2",
                  cwd=evidence.parent)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert one_line(done.stdout) == f"OK ledger intact: 2 entries, head {head}"


def test_a_cut_latest_record_passes_plain_verify_ledger_but_not_its_anchors(
    evidence: Path,
) -> None:
    head = _head(evidence)
    _cut_latest(evidence)
    plain = gonogo("verify-ledger", cwd=evidence.parent)
    assert plain.returncode == 0  # the documented limit of a hash chain
    expected = gonogo("verify-ledger", "--expect-head", head, cwd=evidence.parent)
    assert expected.returncode == 3
    assert re.fullmatch(
        rf"gonogo verify-ledger: FAILED \(exit 3\): ledger head is [0-9a-f]{{64}} \(1 entries\), "
        rf"expected {head}; that is not in the ledger \(entries cut off or rewritten\?\)",
        one_line(expected.stderr),
    ), expected.stderr
    counted = gonogo("verify-ledger", "--min-entries", "2", "--json", cwd=evidence.parent)
    assert counted.returncode == 3
    document = json.loads(counted.stdout)
    assert document["ok"] is False and document["exit_code"] == 3
    assert document["reason"] == (
        "ledger has 1 entries, expected at least 2 (its last entries were cut off?)"
    )


def test_an_earlier_head_says_how_many_were_sealed_after_it(evidence: Path) -> None:
    first_line = (evidence / "ledger.jsonl").read_bytes().splitlines()[0]
    earlier = hashlib.sha256(first_line).hexdigest()
    done = gonogo("verify-ledger", "--expect-head", earlier, cwd=evidence.parent)
    assert done.returncode == 3
    assert one_line(done.stderr).endswith(
        f"expected {earlier}; that is entry 1: 1 entries were sealed after it"
    )


def test_a_broken_ledger_is_exit_4_whatever_the_anchor(evidence: Path) -> None:
    head = _head(evidence)
    ledger = evidence / "ledger.jsonl"
    lines = ledger.read_bytes().splitlines(keepends=True)
    ledger.write_bytes(lines[1] + lines[0])
    done = gonogo("verify-ledger", "--expect-head", head, "--min-entries", "2",
                  cwd=evidence.parent)  # fmt: skip
    assert done.returncode == 4
    assert "ledger broken" in one_line(done.stderr)


@pytest.mark.parametrize(
    ("option", "value"),
    [("--expect-head", "abc"), ("--expect-head", "g" * 64), ("--min-entries", "-1"),
     ("--min-entries", "two")],
)  # fmt: skip
def test_a_malformed_anchor_is_exit_2_in_one_line(evidence: Path, option: str, value: str) -> None:
    done = gonogo("verify-ledger", option, value, cwd=evidence.parent)
    assert done.returncode == 2
    assert option in one_line(done.stderr)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd, check=True, capture_output=True,
    )  # fmt: skip


def test_the_documented_git_anchor_stops_a_commit_that_cuts_the_ledger(evidence: Path) -> None:
    """docs/signing.md's `--min-entries` recipe from git history, run as written."""
    text = (REPO / "docs" / "signing.md").read_text(encoding="utf-8")
    section = text.split("### Anchoring the ledger head", 1)[1]
    script = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)[0]
    script = "\n".join(line[2:] if line.startswith("  ") else line for line in script.splitlines())
    project = evidence.parent
    _git(project, "init", "-q")
    _git(project, "add", "evidence")
    _git(project, "commit", "-q", "-m", "two records")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}

    def gate() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-e", "-c", script], cwd=project, env=env, capture_output=True, text=True,
            check=False, timeout=120,
        )  # fmt: skip

    assert gate().returncode == 0
    _cut_latest(evidence)
    _git(project, "commit", "-q", "-a", "-m", "tidy")
    stopped = gate()
    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    assert "ledger has 1 entries, expected at least 2" in stopped.stderr
