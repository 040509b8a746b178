"""The shipped checklist's file, table and command criteria on a repository laid out in
another team's own shapes (built from the hand-run checklist, not from the demo): every
criterion that is not PASS names what it found; `gonogo doctor` proposes the path, glob,
pattern and table mapping that fit, never a threshold; its edits make them PASS; exit codes
0 fits, 1 needs adapting, 2 unusable input.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_cli_check import gonogo

SHIPPED = Path(__file__).resolve().parent.parent / "checklists" / "spark-trading.yaml"
FILE_KINDS = {"file", "command", "oncall", "coverage", "junit"}
THRESHOLDS = ("compare", "max_age", "max_failed", "min_tests", "covered_for", "exit_code")


def _day(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%d")


def _stack(root: Path) -> None:
    """A repository in its own shapes: an `Approved by:` sign-off line, a `Last review:`
    runbook marker, a `Rota | Engineer | Starts` rota whose second role is `Backup`, lcov
    coverage, pacts under tests/contract, `.spec.ts` chaos tests, JUnit in test-results/."""
    files = {
        "FINAL_VALIDATION_RESILIENCE_SUMMARY.txt": "Summary\nDecision: APPROVED FOR PRODUCTION\n",
        "VALIDATION_AND_RESILIENCE_PACKAGE.md": "# Package\n",
        "docs/VALIDATION_SIGNOFF_CHECKLIST.md": (
            "# Validation checklist\n\n- [x] Load tests\n\n## Approvals\n\n"
            f"Approved by: Dana Reyes on {_day(-1)}\n"
        ),
        "scripts/runbook-db-restore.md": (
            f"# DB restore runbook\n\nOwner: platform\nLast review: {_day(-7)}\n\n"
            "## Restoring from a base backup\n1. Stop writers.\n"
        ),
        ".github/ONCALL_SCHEDULE.md": (
            "# On-call\n\n| Rota | Engineer | Starts |\n|------|----------|--------|\n"
            f"| Primary | Ana Lima | {_day(-3)} |\n| Backup | Tom Berg | {_day(-3)} |\n"
            f"| Primary | Lee Chan | {_day(4)} |\n| Backup | Ana Lima | {_day(4)} |\n"
        ),
        "coverage/lcov.info": "TN:\nSF:src/a.ts\nLF:100\nLH:97\nend_of_record\n",
        "tests/contract/pacts/web-api.json": '{"consumer": {"name": "web"}}\n',
        "tests/chaos/latency.spec.ts": "test('latency', () => {})\n",
        "test-results/junit.xml": (
            '<testsuites><testsuite name="s" tests="2"><testcase name="a [critical]"/>'
            '<testcase name="b"/></testsuite></testsuites>\n'
        ),
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _file_criteria(folder: Path) -> Path:
    """The shipped checklist with only its file, table and command criteria."""
    document = yaml.safe_load(SHIPPED.read_text())
    sections = []
    for section in document["sections"]:
        kept = [
            c for c in section["criteria"] if c.get("probe") and c["probe"]["kind"] in FILE_KINDS
        ]
        if kept:
            sections.append({**section, "criteria": kept})
    document["sections"] = sections
    document.pop("decision", None)
    path = folder / "files.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, width=100))
    return path


def _results(completed: Any) -> dict[str, dict[str, str]]:
    document = json.loads(completed.stdout)
    return {c["id"]: c for section in document["sections"] for c in section["criteria"]}


def _thresholds(path: Path) -> dict[str, list[object]]:
    document = yaml.safe_load(path.read_text())
    return {
        c["id"]: [c["probe"].get(key) for key in THRESHOLDS]
        for section in document["sections"]
        for c in section["criteria"]
    }


@pytest.fixture
def trial(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    root = tmp_path / "repo"
    root.mkdir()
    _stack(root)
    checklist = _file_criteria(tmp_path)
    common = ["--root", str(root), "--trust", "--evidence-dir", str(tmp_path / "evidence")]
    return root, checklist, common


def test_each_mismatch_names_what_it_found(trial: tuple[Path, Path, list[str]]) -> None:
    root, checklist, common = trial
    checked = gonogo("check", str(checklist), "--json", *common, cwd=root)
    assert checked.returncode == 1, checked.stderr
    details = {
        id_: result["detail"]
        for id_, result in _results(checked).items()
        if result["status"] != "PASS"
    }
    found = {
        # the line that carries a date, where no Sign-off line does
        "artifacts-signoff-date": f"line 7: 'Approved by: Dana Reyes on {_day(-1)}'",
        # the command's own last words, and what the file they blame holds
        "artifacts-signoff": (
            "no completed Sign-off line, and no dated line under a Sign-off heading;"
            " docs/VALIDATION_SIGNOFF_CHECKLIST.md: 7 lines; last, line 7:"
            f" 'Approved by: Dana Reyes on {_day(-1)}'"
        ),
        "rollback-runbook": f"closest line 4: 'Last review: {_day(-7)}'",
        "tests-coverage": "(coverage/ holds: lcov.info)",
        "tests-contract-fresh": "found elsewhere: tests/contract/pacts/",
        "tests-chaos-fresh": "the folder holds: latency.spec.ts",
        "tests-all-pass": "found elsewhere: test-results/junit.xml",
        "tests-no-skipped-critical": "found elsewhere: test-results/junit.xml",
        "team-oncall-primary": "found tables with columns: Rota, Engineer, Starts (line 3)",
        "team-oncall-secondary": "found tables with columns: Rota, Engineer, Starts (line 3)",
    }
    assert set(details) == set(found)
    for id_, words in found.items():
        assert words in details[id_], (id_, details[id_])


def test_doctor_fits_files_tables_and_patterns_and_the_edits_pass(
    trial: tuple[Path, Path, list[str]], tmp_path: Path
) -> None:
    root, checklist, common = trial
    shown = gonogo("doctor", str(checklist), "--json", *common, cwd=root)
    assert shown.returncode == 1, shown.stderr
    report = json.loads(shown.stdout)
    edits = {(e["criterion_id"], e["path"].rsplit(".", 1)[-1]): e for e in report["edits"]}
    assert edits[("tests-coverage", "path")]["after"] == "coverage/lcov.info"
    assert edits[("tests-contract-fresh", "dir")]["after"] == "tests/contract/pacts"
    assert edits[("tests-chaos-fresh", "glob")]["after"] == "*.spec.ts"
    assert edits[("tests-all-pass", "path")]["after"] == "test-results/junit.xml"
    assert edits[("team-oncall-primary", "columns")]["after"] == '{"role": "Rota"}'
    assert edits[("team-oncall-secondary", "roles[0]")]["after"] == "backup"
    date_regex = edits[("artifacts-signoff-date", "date_regex")]["after"]
    # The date is read by the criterion's own capture group; no name is copied in.
    assert "Approved[ \\t]+by:" in date_regex and date_regex.endswith(r"(\d{4}-\d{2}-\d{2})")
    assert "Dana" not in date_regex
    marker = edits[("rollback-runbook", "contains[1]")]["after"]
    assert "Last[ \\t]+review:" in marker and _day(-7) not in marker
    # A missing file an edit points elsewhere is said once, by the edit.
    assert report["missing_files"] == []
    # The shell command is not rewritten: doctor says what it said.
    other = {item["criterion_id"]: item for item in report["not_passing_otherwise"]}
    assert set(other) == {"artifacts-signoff"}
    assert other["artifacts-signoff"]["kind"] == "command"
    assert "exit 1 (expected exit 0)" in other["artifacts-signoff"]["detail"]

    fitted = tmp_path / "fitted.yaml"
    written = gonogo("doctor", str(checklist), *common, "--write", str(fitted), cwd=root)
    assert written.returncode == 1, written.stderr
    assert "date_regex fitted to what the target writes" in written.stdout
    assert "(the command's own output: fix the command, or what it checks)" in written.stdout
    assert '    + columns: {"role": "Rota"}' in written.stdout
    after = gonogo("check", str(fitted), "--json", *common, cwd=root)
    statuses = {id_: result["status"] for id_, result in _results(after).items()}
    assert {id_ for id_, status in statuses.items() if status != "PASS"} == {"artifacts-signoff"}
    assert _thresholds(fitted) == _thresholds(checklist)  # no threshold changed
    again = gonogo("doctor", str(fitted), *common, cwd=root)
    assert again.returncode == 0, again.stdout + again.stderr
    # Doctor on unusable input: one line, exit 2.
    broken = tmp_path / "broken.yaml"
    broken.write_text(fitted.read_text().replace("max_age: 7d", "max_age: seven days", 1))
    refused = gonogo("doctor", str(broken), *common, cwd=root)
    assert refused.returncode == 2 and "max_age" in refused.stderr
    assert "Traceback" not in refused.stderr
