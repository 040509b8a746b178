"""doctor renames an sql query's column where the probe reads it too."""

from __future__ import annotations

from pathlib import Path

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.checklist.source import parse_yaml, read_checklist
from gonogo_tui.core.doctor.edits import Edit, apply_edits, companions, plan_edit
from gonogo_tui.core.findings import Suggestion

CHECKLIST = """\
version: 1
title: t
sections:
  - id: db
    title: Database
    criteria:
      - id: growth
        title: Growth < 10%/day
        probe:
          kind: sql
          dsn: postgresql://localhost/x
          query: SELECT size_growth_pct_per_day FROM backup_dashboard
          rows: '== 1'
          value:
            column: size_growth_pct_per_day
            compare: '< 10'
          values:
            - column: size_growth_pct_per_day
              compare: '>= 0'
            - column: other
              compare: '>= 0'
"""


def test_a_renamed_query_column_is_renamed_where_the_probe_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CHECKLIST, encoding="utf-8")
    checklist = load_checklist(path, environ={})
    raw, lines = parse_yaml(read_checklist(path), path)
    at = ("sections", 0, "criteria", 0)
    found = Suggestion("query", "size_growth_pct_per_day", "growth_pct_per_day", "why")
    more = companions(at, found, raw)
    assert [s.field for s in more] == ["value.column", "values[0].column"]
    edits = [
        plan_edit("growth", at, s, raw=raw, lines=lines, checklist=checklist, env={})
        for s in (found, *more)
    ]
    text = apply_edits(CHECKLIST, edits)  # type: ignore[arg-type]
    assert "size_growth_pct_per_day" not in text
    assert text.count("growth_pct_per_day") == 3
    assert "compare: '< 10'" in text and "column: other" in text


def test_no_companion_without_a_suggested_name_or_outside_the_query(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CHECKLIST, encoding="utf-8")
    raw, _ = parse_yaml(read_checklist(path), path)
    at = ("sections", 0, "criteria", 0)
    assert companions(at, Suggestion("query", "size_growth_pct_per_day", None, "w"), raw) == []
    assert companions(at, Suggestion("gauge", "size_growth_pct_per_day", "g", "w"), raw) == []


GAUGES = """\
version: 1
title: t
variables:
  CPU_METRIC:
    default: 'usage_ratio{resource="cpu"}'
  MEMORY_METRIC:
    default: 'usage_ratio{resource="memory"}'
sections:
  - id: m
    title: Metrics
    criteria:
      - id: cpu-memory
        title: CPU/Memory < 70%
        probe:
          kind: metrics
          url: http://localhost:1/metrics
          gauge: ['${CPU_METRIC}', '${MEMORY_METRIC}', other_ratio]
          compare: '< 0.7'
"""


def test_a_name_renamed_in_one_list_item_is_renamed_in_the_items_naming_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(GAUGES, encoding="utf-8")
    checklist = load_checklist(path, environ={})
    raw, lines = parse_yaml(read_checklist(path), path)
    at = ("sections", 0, "criteria", 0)
    found = Suggestion("gauge[0]", "usage_ratio", "api_usage_ratio", "why")
    more = companions(at, found, raw)
    assert [s.field for s in more] == ["gauge[1]", "gauge[2]"]
    planned = [
        plan_edit("cpu-memory", at, s, raw=raw, lines=lines, checklist=checklist, env={})
        for s in (found, *more)
    ]
    edits = [p for p in planned if isinstance(p, Edit)]
    # gauge[2] does not name it: no edit there (the report drops that companion).
    assert [e.path for e in edits] == [
        "variables.CPU_METRIC.default",
        "variables.MEMORY_METRIC.default",
    ]
    text = apply_edits(GAUGES, edits)
    assert "'api_usage_ratio{resource=\"memory\"}'" in text
    assert "other_ratio" in text and "compare: '< 0.7'" in text
