"""docs/signing.md's walkthrough runs as written: sign as CTO, verify, edit a byte, fail."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

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
