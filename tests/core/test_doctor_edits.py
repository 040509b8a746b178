"""`gonogo doctor`'s edits, on checklist text as written: where a name is replaced (a block
scalar, an inline `${VAR:-default}`), and that a threshold is never edited."""

from __future__ import annotations

from pathlib import Path

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.checklist.source import parse_yaml, read_checklist
from gonogo_tui.core.doctor.edits import Edit, Unplaced, apply_edits, merge_added, plan_edit
from gonogo_tui.core.findings import Suggestion

TEXT = """\
title: Edits
sections:
  - id: data
    title: Data
    criteria:
      - id: age
        title: Backup age
        probe:
          kind: sql
          dsn: ${DB:-postgresql://localhost/app}
          query: >-
            SELECT max(last_backup_at) AS at, count(*) FILTER (WHERE last_backup_at IS NULL)
            FROM backup_status  # last_backup_at is the seed's name
          value: {column: at, compare: "< 86400"}
      - id: conns
        title: Connections
        probe:
          kind: metrics
          url: http://localhost/metrics
          gauge: ${GAUGE:-database_connections_in_use}
          compare: "< 80"
"""


def _plan(tmp_path: Path, criterion: int, suggestion: Suggestion) -> Edit | Unplaced:
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    raw, lines = parse_yaml(read_checklist(path), path)
    return plan_edit(
        ["age", "conns"][criterion],
        ("sections", 0, "criteria", criterion),
        suggestion,
        raw=raw,
        lines=lines,
        checklist=load_checklist(path, environ={}),
        env={},
    )


def test_a_block_scalar_has_every_use_replaced_and_the_rest_kept(tmp_path: Path) -> None:
    edit = _plan(tmp_path, 0, Suggestion("query", "last_backup_at", "finished_at", "why"))
    assert isinstance(edit, Edit) and edit.how == "field" and edit.line == 11
    text = apply_edits(TEXT, [edit])
    assert "max(finished_at)" in text and "WHERE finished_at IS NULL" in text
    # A folded scalar's `#` is text, not a comment: that use is replaced too.
    assert text.count("last_backup_at") == 0
    assert load_checklist_text(tmp_path, text).criteria()  # still a valid checklist


def test_an_inline_default_is_edited_in_place(tmp_path: Path) -> None:
    suggestion = Suggestion("gauge", "database_connections_in_use", "db_connections_active", "")
    edit = _plan(tmp_path, 1, suggestion)
    assert isinstance(edit, Edit) and edit.how == "field"
    assert edit.after == "${GAUGE:-db_connections_active}"
    assert "gauge: ${GAUGE:-db_connections_active}" in apply_edits(TEXT, [edit])


def test_a_threshold_is_never_edited(tmp_path: Path) -> None:
    refused = _plan(tmp_path, 1, Suggestion("compare", "80", "95", "a wider limit"))
    assert isinstance(refused, Unplaced) and refused.reason == "a threshold is never edited"
    nested = _plan(tmp_path, 0, Suggestion("value.compare", "86400", "999999", ""))
    assert isinstance(nested, Unplaced)


def load_checklist_text(tmp_path: Path, text: str) -> Checklist:
    path = tmp_path / "edited.yaml"
    path.write_text(text)
    return load_checklist(path, environ={})


def test_a_field_left_to_the_kinds_default_is_added_adapted(tmp_path: Path) -> None:
    text = """\
title: Added
sections:
  - id: data
    title: Data
    criteria:
      - id: alerts
        title: No backup alerts
        probe:
          kind: pg_health
          check: backup_alerts
          dsn: postgresql://localhost/app
      - id: flow
        title: Flow style
        probe: {kind: pg_health, check: backup_alerts, dsn: "postgresql://localhost/app"}
"""
    path = tmp_path / "c.yaml"
    path.write_text(text)
    raw, lines = parse_yaml(read_checklist(path), path)
    checklist = load_checklist(path, environ={})
    suggestion = Suggestion("query", "check_backup_alerts", "backup_alerts", "closest functions")
    edits = []
    for index, criterion_id in enumerate(["alerts", "flow"]):
        edit = plan_edit(
            criterion_id,
            ("sections", 0, "criteria", index),
            suggestion,
            raw=raw,
            lines=lines,
            checklist=checklist,
            env={},
        )
        assert isinstance(edit, Edit) and edit.how == "add_field" and edit.before is None
        assert edit.after == "SELECT * FROM backup_alerts()"
        edits.append(edit)
    edited = load_checklist_text(tmp_path, apply_edits(text, edits))
    queries = [c.probe.query for _, c in edited.criteria()]  # type: ignore[union-attr]
    assert queries == ["SELECT * FROM backup_alerts()"] * 2


def test_a_flow_mapping_has_only_the_fields_value_edited(tmp_path: Path) -> None:
    """`{column: state, compare: "== state"}`: the column is renamed, the comparison kept."""
    text = """\
title: Flow
sections:
  - id: data
    title: Data
    criteria:
      - id: state
        title: Done
        probe:
          kind: sql
          dsn: postgresql://localhost/app
          query: SELECT state FROM jobs
          value: {column: state, compare: "== state"}
"""
    path = tmp_path / "c.yaml"
    path.write_text(text)
    raw, lines = parse_yaml(read_checklist(path), path)
    edit = plan_edit(
        "state",
        ("sections", 0, "criteria", 0),
        Suggestion("value.column", "state", "status", "the rows have: status"),
        raw=raw,
        lines=lines,
        checklist=load_checklist(path, environ={}),
        env={},
    )
    assert isinstance(edit, Edit)
    edited = apply_edits(text, [edit])
    assert 'value: {column: status, compare: "== state"}' in edited
    assert "query: SELECT state FROM jobs" in edited


def test_keys_of_a_mapping_left_to_the_kinds_default_are_added_as_one_mapping(
    tmp_path: Path,
) -> None:
    """`columns.role` and `columns.name` for one on-call probe: one `columns:` line."""
    text = """\
title: Mapping
sections:
  - id: team
    title: Team
    criteria:
      - id: primary
        title: Primary on call
        probe:
          kind: oncall
          path: oncall.md
          roles: [primary]
      - id: written
        title: Columns already written
        probe: {kind: oncall, path: oncall.md, columns: {start: Starts}}
"""
    path = tmp_path / "c.yaml"
    path.write_text(text)
    raw, lines = parse_yaml(read_checklist(path), path)
    checklist = load_checklist(path, environ={})
    planned = [
        plan_edit(
            "primary", ("sections", 0, "criteria", 0),
            Suggestion(field, found, suggested, "tables found: Rota, Engineer, Starts"),
            raw=raw, lines=lines, checklist=checklist, env={},
        )
        for field, found, suggested in [
            ("columns.role", "role", "Rota"), ("columns.name", "name", "Engineer")
        ]
    ]  # fmt: skip
    edits = merge_added([edit for edit in planned if isinstance(edit, Edit)])
    assert [(e.how, e.path, e.after) for e in edits] == [
        (
            "add_field",
            "sections[0].criteria[0].probe.columns",
            '{"role": "Rota", "name": "Engineer"}',
        )
    ]
    edited = load_checklist_text(tmp_path, apply_edits(text, edits))
    probe = next(c for _, c in edited.criteria()).probe
    assert (probe.columns.role, probe.columns.name) == ("Rota", "Engineer")  # type: ignore[union-attr]
    # A mapping written without the key: doctor says which line to add, and adds nothing.
    inside = plan_edit(
        "written", ("sections", 0, "criteria", 1),
        Suggestion("columns.role", "role", "Rota", "tables found"),
        raw=raw, lines=lines, checklist=checklist, env={},
    )  # fmt: skip
    assert isinstance(inside, Unplaced)
    assert inside.reason == "add `role: Rota` under sections[0].criteria[1].probe.columns"


def test_a_pattern_is_written_whole_whatever_its_quoting(tmp_path: Path) -> None:
    """A regex written double-quoted (`\\\\d`), or folded over two lines, is replaced by the
    new pattern single-quoted on one line: YAML then reads its backslashes as written."""
    text = """\
title: Patterns
sections:
  - id: docs
    title: Docs
    criteria:
      - id: signed
        title: Signed
        probe:
          kind: file
          path: s.md
          date_regex: "(?m)^Sign-off: (\\\\d{4}-\\\\d{2}-\\\\d{2})"
          max_age: 7d
      - id: runbook
        title: Runbook
        probe:
          kind: file
          path: r.md
          contains:
            - (?mi)^reviewed:[ \\t]*\\d{4}-\\d{2}-\\d{2}[ \\t]+by
              [^_\\s]
            - '(?m)^# Restore'
"""
    path = tmp_path / "c.yaml"
    path.write_text(text)
    raw, lines = parse_yaml(read_checklist(path), path)
    checklist = load_checklist(path, environ={})
    probes = [c.probe for _, c in checklist.criteria()]
    date_regex = probes[0].date_regex  # type: ignore[union-attr]
    marker = probes[1].contains[0]  # type: ignore[union-attr]
    new_date = r"(?mi)^[ \t>*_#|-]*Approved[ \t]+by:[^\n]*?(\d{4}-\d{2}-\d{2})"
    new_marker = r"(?mi)^[ \t>*_#|-]*Last[ \t]+review:[^\n]*?(?:\d{4}-\d{2}-\d{2})"
    edits = [
        plan_edit(
            criterion_id, ("sections", 0, "criteria", index),
            Suggestion(field, found, suggested, "lines found"),
            raw=raw, lines=lines, checklist=checklist, env={},
        )
        for criterion_id, index, field, found, suggested in [
            ("signed", 0, "date_regex", date_regex, new_date),
            ("runbook", 1, "contains[0]", marker, new_marker),
        ]
    ]  # fmt: skip
    assert all(isinstance(edit, Edit) and edit.how == "field" for edit in edits)
    edited_text = apply_edits(text, [edit for edit in edits if isinstance(edit, Edit)])
    edited = [c.probe for _, c in load_checklist_text(tmp_path, edited_text).criteria()]
    assert edited[0].date_regex == new_date  # type: ignore[union-attr]
    assert edited[0].max_age == 7 * 86400  # type: ignore[union-attr]
    assert edited[1].contains == [new_marker, "(?m)^# Restore"]  # type: ignore[union-attr]
