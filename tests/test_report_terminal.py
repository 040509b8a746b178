"""`gonogo report` in a terminal prints the message as people read it (fresh-eyes review,
s8b): `Artifacts & Documentation`, `< 24 h`, not `&amp;` and `&lt;`; piped, it stays the
chat's escaped markdown."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from gonogo_tui.core.checklist import Checklist, Criterion, Section
from gonogo_tui.core.evaluation import evaluate
from gonogo_tui.core.records.build import build_record
from gonogo_tui.core.records.write import write_record
from tests.core.test_record_readings import _record_inputs
from tests.test_signing_cli import gonogo
from tests.ui.fakes import FROZEN


def _record(tmp_path: Path) -> Path:
    checklist, results = _record_inputs()
    sections = [*checklist.sections]
    sections[1] = Section(
        id="docs",
        title="Artifacts & Documentation",
        criteria=[
            Criterion(id="growth", title="Size < 10%/day", probe=sections[1].criteria[0].probe)
        ],
    )
    checklist = Checklist(title="t", sections=sections)
    record = build_record(checklist, evaluate(checklist, results), operator="o", decided_at=FROZEN)
    return write_record(record, tmp_path / "evidence").txt


def _in_a_terminal(*args: str, cwd: Path) -> str:
    """Run `gonogo` with its stdout a terminal (a pseudo-terminal), and read what it printed."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gonogo_tui", *args],
        stdout=child,
        stderr=subprocess.PIPE,
        cwd=cwd,
    )
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_a_terminal_reads_plain_text_and_a_pipe_gets_the_chat_markdown(tmp_path: Path) -> None:
    txt = _record(tmp_path)
    shown = _in_a_terminal("report", str(txt), cwd=tmp_path)
    assert "30 h old, needs < 24 h" in shown
    assert "&lt;" not in shown and "&amp;" not in shown
    piped = gonogo("report", str(txt), cwd=tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert "30 h old, needs &lt; 24 h" in piped.stdout
    explicit = gonogo("report", str(txt), "--format", "text", cwd=tmp_path)
    assert "30 h old, needs < 24 h" in explicit.stdout and "&lt;" not in explicit.stdout
