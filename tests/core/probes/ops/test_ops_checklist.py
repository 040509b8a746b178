"""The operations kinds inside a checklist: loading, schema, line-numbered errors, secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gonogo_tui.core.checklist import checklist_json_schema, load_checklist
from gonogo_tui.core.errors import ChecklistError

OPS_KINDS = (
    "prometheus", "metrics", "pgbouncer", "pg_health", "github_runs", "grafana_dashboard",
    "coverage", "junit", "oncall", "window",
)  # fmt: skip

CHECKLIST = """\
title: ops kinds
variables:
  GITHUB_TOKEN: {secret: true}
  GRAFANA_TOKEN: {secret: true}
sections:
  - id: ops
    title: Operations
    criteria:
      - id: rules
        title: Alert rules
        probe: {kind: prometheus, url: "${PROMETHEUS_URL:-http://localhost:9090}", alert_rules: ">= 5"}
      - id: p95
        title: p95
        probe:
          kind: metrics
          url: http://localhost:4001/api/public/metrics.prom
          histogram: http_request_duration_seconds
          quantile: 0.95
          compare: "< 200"
          scale: 1000
      - id: pools
        title: Pools
        probe: {kind: pgbouncer, dsn: "postgresql://app:pw-secret-1@localhost:6432/spark", max_utilization: "< 80"}
      - id: wal
        title: WAL
        probe: {kind: pg_health, check: wal_archiving, dsn: "${DATABASE_URL:-postgresql://localhost/spark}"}
      - id: ci
        title: CI
        probe: {kind: github_runs, repository: spark/trading, token: "${GITHUB_TOKEN}", workflows: [a.yml]}
      - id: dash
        title: Dashboard
        probe: {kind: grafana_dashboard, url: http://localhost:3001, uid: risk, token: "${GRAFANA_TOKEN}", panels: ">= 10"}
      - id: cov
        title: Coverage
        probe: {kind: coverage, path: coverage/coverage-summary.json, compare: ">= 95"}
      - id: tests
        title: Tests
        probe: {kind: junit, path: "reports/*.xml", critical: "(?i)critical"}
      - id: oncall
        title: On call
        probe: {kind: oncall, path: .github/ONCALL_SCHEDULE.md}
      - id: window
        title: Window
        probe:
          kind: window
          timezone: Europe/Istanbul
          allowed: [{days: tue-thu, start: "10:00", end: "16:00"}]
"""


def test_every_kind_loads_in_a_checklist(tmp_path: Path) -> None:
    path = tmp_path / "ops.yaml"
    path.write_text(CHECKLIST)
    checklist = load_checklist(
        path, environ={"GITHUB_TOKEN": "ghp_abcdef123", "GRAFANA_TOKEN": "glsa_xyz789"}
    )
    kinds = [criterion.probe.kind for _, criterion in checklist.criteria() if criterion.probe]
    assert tuple(kinds) == OPS_KINDS
    redact = checklist.redactor
    assert redact("ghp_abcdef123 glsa_xyz789 pw-secret-1") == "*** *** ***"


def test_schema_lists_every_kind() -> None:
    schema = json.dumps(checklist_json_schema())
    for kind in OPS_KINDS:
        assert f'"const": "{kind}"' in schema or f'"enum": ["{kind}"]' in schema, kind


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("timezone: Europe/Istanbul", "timezone: Europe/Atlantis", ":46: sections[0].criteria[9].probe.timezone: "),
        ('alert_rules: ">= 5"', 'alert_rules: "lots"', ":11: sections[0].criteria[0].probe.alert_rules: "),
        ("check: wal_archiving", "check: vacuum", ":26: sections[0].criteria[3].probe.check: "),
        ("histogram: http_request_duration_seconds", 'histogram: "x{a=b}"', ":17: sections[0].criteria[1].probe.histogram: "),
        ("workflows: [a.yml]", "workflow: [a.yml]", ":29: sections[0].criteria[4].probe.workflow: unknown field"),
    ],
)  # fmt: skip
def test_errors_name_file_line_and_field(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = tmp_path / "ops.yaml"
    assert old in CHECKLIST
    path.write_text(CHECKLIST.replace(old, new))
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path, environ={"GITHUB_TOKEN": "t0k", "GRAFANA_TOKEN": "t0k2"})
    assert f"{path}{message}" in str(caught.value)
