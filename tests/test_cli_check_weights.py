"""End to end: `gonogo check` with critical and advisory criteria (issue 17, points 1-2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli_check import gonogo


def write_checklist(folder: Path, *, critical: bool) -> Path:
    """Ten sections whose probes find `ok.txt`; section 1 also wants `backup.done`, which
    is missing, and section 2 tries an advisory probe that fails too."""
    sections = []
    for i in range(10):
        criteria = f"""\
      - id: ok-{i}
        title: ok.txt exists
        probe: {{kind: file, path: ok.txt}}
"""
        if i == 0:
            criteria += f"""\
      - id: backup-fresh
        title: Backup done
        critical: {str(critical).lower()}
        probe: {{kind: file, path: backup.done}}
"""
        if i == 1:
            criteria += """\
      - id: new-probe
        title: New probe on trial
        advisory: true
        probe: {kind: file, path: trial.txt}
"""
        sections.append(f"  - id: s{i}\n    title: Section {i}\n    criteria:\n{criteria}")
    path = folder / "weights.yaml"
    path.write_text("title: Weights\nsections:\n" + "".join(sections), encoding="utf-8")
    (folder / "ok.txt").write_text("ok\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("critical", [False, True])
def test_a_critical_failure_in_a_nine_of_ten_case_exits_no_go(
    tmp_path: Path, critical: bool
) -> None:
    checklist = write_checklist(tmp_path, critical=critical)
    proc = gonogo("check", str(checklist), cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert "9/10 sections GO" in out
    assert "Advisory, not blocking (1):" in out and "new-probe" in out
    if not critical:  # the same results without `critical`: one section short, REVIEW
        assert proc.returncode == 3, out
        assert "NO-GO: critical" not in out
        return
    assert proc.returncode == 1, out
    assert "NO-GO: critical criterion Backup done" in out
    assert "Backup done [critical]" in out
    proc = gonogo("check", str(checklist), "--json", cwd=tmp_path)
    assert proc.returncode == 1
    document = json.loads(proc.stdout)
    assert document["decision"] == "NO-GO"
    assert document["reason"].startswith("NO-GO: critical criterion Backup done ")
    assert [line.split()[0] for line in document["advisory"]] == ["new-probe"]
    assert [line.split()[0] for line in document["missing"]] == ["backup-fresh"]


def test_critical_and_advisory_together_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "both.yaml"
    path.write_text(
        "title: t\nsections:\n  - id: s\n    title: S\n    critical: true\n    criteria:\n"
        "      - id: a\n        title: A\n        manual: true\n        advisory: true\n"
        "      - id: b\n        title: B\n        manual: true\n",
        encoding="utf-8",
    )
    proc = gonogo("check", str(path), cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "both.yaml:10: sections[0].criteria[0].advisory:" in lines[0]
    assert "Traceback" not in proc.stderr
