"""docs/signing.md's walkthrough runs as written: sign as CTO, verify, edit a byte, fail."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "signing.md"


def _walkthrough_script() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Walkthrough", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) >= 6
    return "\n".join(blocks)


def test_the_walkthrough_runs_as_written(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SSH_AUTH_SOCK", "GONOGO_ALLOWED_SIGNERS", "GONOGO_POLICY")
    }
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(tmp_path)
    proc = subprocess.run(
        ["bash", "-c", _walkthrough_script()],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        start_new_session=True,
        check=False,
        timeout=120,
    )
    out = proc.stdout.splitlines()
    assert any(re.match(r"OK go_decision_\d{8}_\d{6}: sealed GO, go approvals met", o) for o in out)
    assert re.search(
        r"gonogo verify: FAILED \(exit 1\): go_decision_\d{8}_\d{6}\.txt was altered", proc.stderr
    )
    assert [line for line in out if line in ("0", "1")] == ["0", "1"], proc.stdout + proc.stderr
    # Every step but the deliberate tamper succeeds: no command refuses what the text says.
    assert "gonogo: " not in proc.stderr, proc.stderr


def _gate_script(doc: Path, heading: str) -> str:
    """The `run: |` block of the `GO/NO-GO gate` step after `heading`, as bash."""
    text = doc.read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text[text.index(heading) :], re.DOTALL)
    assert block is not None, heading
    lines = block.group(1).split("- name: GO/NO-GO gate\n", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "run: |") + 1
    body = []
    for line in lines[start:]:
        if line.strip() and len(line) - len(line.lstrip()) <= len(lines[start - 1]) - len(
            lines[start - 1].lstrip()
        ):
            break
        body.append(line)
    return textwrap.dedent("\n".join(body))


@pytest.mark.skipif(shutil.which("jq") is None, reason="the gates read the ledger with jq")
@pytest.mark.parametrize(
    ("doc", "heading"),
    [
        (REPO / "README.md", "## Gating a deploy on the signed record"),
        (DOC, "## Gating a deploy in CI"),
    ],
)
def test_the_ci_gates_stop_at_a_later_no_go(doc: Path, heading: str, tmp_path: Path) -> None:
    """Both documented gates pass a fresh GO the three approvers signed, and stop once a
    NO-GO is sealed after it (the latest decision counts, not the latest GO)."""
    from gonogo_tui.core.signing import sign_record
    from tests.core.signing.helpers import Person, make_key, write_allowed_signers

    people = [
        Person(role, f"{name}@example.com", make_key(tmp_path / "keys", name))
        for role, name in (("cto", "alice"), ("devops-lead", "bob"), ("product-owner", "carol"))
    ]
    for trust in (".github", ".gonogo"):
        write_allowed_signers(tmp_path / trust / "allowed_signers", people)
    (tmp_path / "checklists").mkdir()
    (tmp_path / "checklists" / "spark-trading.yaml").write_text(
        "title: Spark\nsections:\n  - id: team\n    title: Team\n    criteria:\n"
        "      - {id: on-call, title: On-call engineer available, manual: true}\n"
    )
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k not in ("SSH_AUTH_SOCK", "GONOGO_POLICY")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["GONOGO_ALLOWED_SIGNERS"] = ".gonogo/allowed_signers"

    def run(script: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    def record(*ticks: str) -> Path:
        done = run(f"gonogo check checklists/spark-trading.yaml --record {' '.join(ticks)}")
        assert done.returncode in (0, 1), done.stderr
        return tmp_path / done.stdout.split("Record: ", 1)[1].split()[0]

    def sign(txt: Path, *signers: Person) -> None:
        now = datetime.now(UTC)
        for person in signers:
            sign_record(
                txt,
                role=person.role,
                principal=person.principal,
                key_path=person.key,
                now=lambda: now,
            )

    gate = _gate_script(doc, heading)
    sign(record("--tick", "on-call"), *people)
    passed = run(gate)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    time.sleep(1.1)  # records are named by the second
    sign(record(), people[1])
    stopped = run(gate)
    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    assert "decision is NO-GO, expected GO" in stopped.stderr
