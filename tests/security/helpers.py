"""Shared pieces of the hostile-input tests: a project folder, gonogo as a subprocess,
and traps planted in the evidence folder."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.core.signing.helpers import environment_without_agent

REPO = Path(__file__).resolve().parents[2]
CHECKLIST = (
    "title: Spark\nsections:\n  - id: team\n    title: Team\n    criteria:\n"
    "      - {id: on-call, title: On-call engineer available, manual: true}\n"
)


def gonogo(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `python -m gonogo_tui ARGS` as a user or a CI job would."""
    environment = {**environment_without_agent(), "PYTHONPATH": str(REPO)}
    environment.pop("GONOGO_ALLOWED_SIGNERS", None)
    environment.pop("GONOGO_POLICY", None)
    return subprocess.run(
        [sys.executable, "-m", "gonogo_tui", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=timeout,
    )


def project(tmp_path: Path) -> Path:
    """A project folder holding a one-criterion checklist (no evidence folder yet)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "checklist.yaml").write_text(CHECKLIST)
    return tmp_path


def record_go(workdir: Path) -> subprocess.CompletedProcess[str]:
    """`gonogo check checklist.yaml --record --tick on-call`: a sealed GO."""
    return gonogo("check", "checklist.yaml", "--record", "--tick", "on-call", cwd=workdir)


def upcoming_stems(prefix: str = "go_decision", seconds: int = 180) -> list[str]:
    """The record names of the next `seconds` seconds (records are named by the second; a
    loaded machine may take a while to start gonogo)."""
    start = datetime.now(UTC) - timedelta(seconds=1)
    return [
        f"{prefix}_{(start + timedelta(seconds=n)).strftime('%Y%m%d_%H%M%S')}"
        for n in range(seconds)
    ]


def one_line(text: str) -> str:
    """The only line of `text` (fails when there are more)."""
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


def fifo(path: Path) -> Path:
    """A FIFO at `path`: opening it for reading would block forever."""
    os.mkfifo(path)
    return path
