"""The decision record says values and ticks as the screen does (fresh-eyes review, s8b):
`30 h old`, not `30.00`; `needs tick`, not `[PENDING]`; critical criteria by title."""

from __future__ import annotations

from pathlib import Path

from pydantic import TypeAdapter

from gonogo_tui.core.checklist import Checklist, Criterion, Section
from gonogo_tui.core.evaluation import evaluate
from gonogo_tui.core.probes import AnyProbe
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.records.build import build_record
from gonogo_tui.core.records.export import record_markdown
from gonogo_tui.core.records.reading import load_record
from gonogo_tui.core.records.write import write_record
from tests.ui.fakes import FROZEN

BACKUP = TypeAdapter(AnyProbe).validate_python(
    {
        "kind": "sql",
        "dsn": "postgresql://x/db",
        "query": "SELECT 1",
        "rows": "== 1",
        "value": {"column": "backup_age_hours", "compare": "< 24"},
    }
)
GROWTH = TypeAdapter(AnyProbe).validate_python(
    {
        "kind": "sql",
        "dsn": "postgresql://x/db",
        "query": "SELECT 1",
        "value": {"column": "size_growth_pct_per_day", "compare": "< 10"},
    }
)


def _record_inputs() -> tuple[Checklist, dict[str, ProbeResult]]:
    checklist = Checklist(
        title="t",
        sections=[
            Section(
                id="rollback",
                title="Rollback",
                criteria=[
                    Criterion(
                        id="db-backup", title="Backup < 24h old", probe=BACKUP, critical=True
                    ),
                    Criterion(
                        id="script", title="Rollback script tested", manual=True, critical=True
                    ),
                ],
            ),
            Section(
                id="db",
                title="Database",
                criteria=[Criterion(id="growth", title="Size growth", probe=GROWTH)],
            ),
        ],
    )
    results = {
        "db-backup": ProbeResult(
            "db-backup",
            Status.FAIL,
            "30.00",
            "rows == 1, backup_age_hours < 24",
            "SELECT 1",
            "backup_age_hours = 30.00 (expected < 24)",
            FROZEN,
            3.0,
        ),
        "growth": ProbeResult(
            "growth",
            Status.PASS,
            "1.40",
            "size_growth_pct_per_day < 10",
            "SELECT 1",
            "size_growth_pct_per_day = 1.40",
            FROZEN,
            3.0,
        ),
    }
    return checklist, results


def test_the_record_says_values_with_their_units_and_ticks_as_the_screen(tmp_path: Path) -> None:
    checklist, results = _record_inputs()
    record = build_record(checklist, evaluate(checklist, results), operator="o", decided_at=FROZEN)
    lines = record.text.splitlines()
    # Critical criteria by title, a manual one "needs a tick" (no PENDING anywhere).
    assert lines[2].startswith(
        "Reason: NO-GO: critical criteria Backup < 24h old failed; "
        "Rollback script tested needs a tick."
    )
    assert "PENDING" not in record.text
    assert (
        "- [FAIL] [critical] db-backup: Backup < 24h old: 30 h old, needs < 24 h "
        "(probe: backup_age_hours = 30.00 (expected < 24))"
    ) in lines
    assert any(
        line.startswith("- [needs tick] [critical] script: Rollback script") for line in lines
    )
    criteria = {line.split(" | ")[0]: line for line in lines if " | value: " in line}
    assert " | value: 30 h old | " in criteria["[FAIL] rollback/db-backup: Backup < 24h old"]
    assert " | value: 1.4 %/day | " in criteria["[PASS] db/growth: Size growth"]
    assert " | value: - | " in criteria["[needs tick] rollback/script: Rollback script tested"]
    # The JSON keeps the raw value and the status tools read; the reading is added.
    found = {c["id"]: c for s in record.data["sections"] for c in s["criteria"]}
    assert found["db-backup"]["value"] == "30.00" and found["db-backup"]["reading"] == (
        "30 h old, needs < 24 h"
    )
    assert found["growth"]["reading"] == "1.4 %/day"
    assert found["script"]["status"] == "PENDING" and "reading" not in found["script"]
    # `gonogo report` says the same.
    write_record(record, tmp_path)
    markdown = record_markdown(load_record(tmp_path / f"{record.record_id}.json"))
    assert "script needs tick (critical)" in markdown and "PENDING" not in markdown
    assert "db-backup FAIL (critical): 30 h old, needs &lt; 24 h" in markdown
