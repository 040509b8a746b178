"""`gonogo doctor` end to end, as a subprocess, against real servers shaped differently from
the checklist: a PostgreSQL table with its own column names and a metrics endpoint with its
own metric names. Doctor names the closest columns and metrics as YAML edits; the edited
checklist then passes `gonogo check`; exit codes 0 fits, 1 needs adapting, 2 bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.servers import HttpTestServer, PostgresServer
from tests.test_cli_check import gonogo

FOREIGN_DATABASE = "doctor_foreign_shape"
FOREIGN_SQL = """
CREATE TABLE IF NOT EXISTS backup_status (finished_at timestamptz, status text, kind text);
DELETE FROM backup_status;
INSERT INTO backup_status VALUES (now() - interval '1 hour', 'done', 'full');
"""
EXPOSITION = """\
# TYPE db_connections_active gauge
db_connections_active{pool="main"} 7
# TYPE db_connections_max gauge
db_connections_max{pool="main"} 100
# TYPE http_server_requests_total counter
http_server_requests_total{code="200"} 990
http_server_requests_total{code="500"} 1
"""


@pytest.fixture(scope="module")
def foreign_db(postgres: PostgresServer) -> str:
    postgres.create_database(FOREIGN_DATABASE)
    postgres.execute(FOREIGN_SQL.encode(), dbname=FOREIGN_DATABASE)
    return postgres.dsn(FOREIGN_DATABASE)


def _checklist(folder: Path, dsn: str, metrics_url: str, name: str = "checklist.yaml") -> Path:
    text = f"""\
title: Doctor checklist
variables:
  DB_DSN: {{default: "{dsn}", secret: true}}
  METRICS_URL: {{default: "{metrics_url}"}}
sections:
  - id: data
    title: Data
    criteria:
      - id: backup-fresh
        title: Last backup less than a day old
        probe:
          kind: sql
          dsn: ${{DB_DSN}}
          # the team's own column name goes here
          query: |
            SELECT extract(epoch FROM now() - max(last_backup_at)) AS age_s
            FROM backup_status
          value: {{column: age_s, compare: "< 86400"}}
      - id: backup-status
        title: Last backup done
        probe:
          kind: sql
          dsn: ${{DB_DSN}}
          query: SELECT status, kind FROM backup_status
          value: {{column: state, compare: "== done"}}
  - id: runtime
    title: Runtime
    criteria:
      - id: db-connections
        title: Connections in use under 80
        probe:
          kind: metrics
          url: ${{METRICS_URL}}
          gauge: database_connections_in_use
          compare: "< 80"
          artifact: null
      - id: error-rate
        title: Error rate under 1 %
        probe:
          kind: metrics
          url: ${{METRICS_URL}}
          numerator: 'http_requests_total{{code=~"5.."}}'
          denominator: http_server_requests_total
          scale: 100
          compare: "< 1"
          artifact: null
      - id: runbook
        title: Runbook present
        probe: {{kind: file, path: docs/runbook.md}}
      - id: oncall
        title: Primary and secondary on call
        probe: {{kind: oncall, path: ONCALL.md}}
"""
    path = folder / name
    path.write_text(text)
    # The team's own header row: its role columns are not called primary and secondary.
    start = datetime.now(UTC) - timedelta(days=1)
    (folder / "ONCALL.md").write_text(
        "| From | To | On-call engineer | Backup |\n|---|---|---|---|\n"
        f"| {start:%Y-%m-%d %H:%M} | {start + timedelta(days=8):%Y-%m-%d %H:%M} | Ada | Linus |\n"
    )
    return path


@pytest.fixture
def target(http_server: HttpTestServer) -> str:
    http_server.route("GET", "/metrics", body=EXPOSITION)
    return f"{http_server.url}/metrics"


def test_doctor_suggests_the_closest_column_and_metric_and_the_edits_pass(
    tmp_path: Path, foreign_db: str, target: str
) -> None:
    checklist = _checklist(tmp_path, foreign_db, target)
    (tmp_path / "docs").mkdir()
    before = gonogo("check", str(checklist), "--json", cwd=tmp_path)
    statuses = {c["id"]: c["status"] for c in _criteria(json.loads(before.stdout))}
    assert statuses == {
        "backup-fresh": "ERROR",
        "backup-status": "ERROR",
        "db-connections": "ERROR",
        "error-rate": "ERROR",
        "runbook": "FAIL",
        "oncall": "ERROR",
    }

    shown = gonogo("doctor", str(checklist), "--json", cwd=tmp_path)
    assert shown.returncode == 1, shown.stderr
    report = json.loads(shown.stdout)
    edits = {(e["criterion_id"], e["path"]): e for e in report["edits"]}
    column = edits[("backup-fresh", "sections[0].criteria[0].probe.query")]
    assert (column["found"], column["suggested"]) == ("last_backup_at", "finished_at")
    assert "max(finished_at)" in column["after"] and column["line"] == 15
    state = edits[("backup-status", "sections[0].criteria[1].probe.value.column")]
    assert (state["before"], state["after"]) == ("state", "status")
    gauge = edits[("db-connections", "sections[1].criteria[0].probe.gauge")]
    assert (gauge["before"], gauge["after"]) == (
        "database_connections_in_use",
        "db_connections_active",
    )
    numerator = edits[("error-rate", "sections[1].criteria[1].probe.numerator")]
    assert numerator["after"] == 'http_server_requests_total{code=~"5.."}'
    roles = edits[("oncall", "sections[1].criteria[3].probe.roles")]
    assert (roles["how"], roles["after"]) == ("add_field", '["On-call engineer", "Backup"]')
    assert report["missing_files"] == [
        {
            "criterion_id": "runbook",
            "field": "sections[1].criteria[2].probe.path",
            "path": "docs/runbook.md",
            "resolved": str(tmp_path / "docs/runbook.md"),
            # what the probe found instead: here, that its folder is empty
            "found": f"{tmp_path / 'docs/runbook.md'} does not exist (docs/ is empty)",
        }
    ]
    assert {v["name"]: v["value"] for v in report["variables_at_default"]} == {
        "DB_DSN": "(secret)",
        "METRICS_URL": target,
    }
    # No comparison is ever part of an edit.
    assert not any("<" in e["after"] or "86400" in e["after"] for e in report["edits"])

    fitted = tmp_path / "fitted.yaml"
    written = gonogo("doctor", str(checklist), "--write", str(fitted), cwd=tmp_path)
    assert written.returncode == 1, written.stderr
    assert "last_backup_at -> finished_at" in written.stdout
    assert "# the team's own column name goes here" in fitted.read_text()  # comments kept
    # A checklist with no shell command and loopback targets needs no --trust to check it.
    assert f"check it with: gonogo check {fitted}\n" in written.stdout
    (tmp_path / "docs/runbook.md").write_text("# Runbook\n")
    after = gonogo("check", str(fitted), "--json", cwd=tmp_path)
    assert {c["id"]: c["status"] for c in _criteria(json.loads(after.stdout))} == dict.fromkeys(
        statuses, "PASS"
    )
    assert after.returncode == 0
    fits = gonogo("doctor", str(fitted), cwd=tmp_path)
    assert fits.returncode == 0, fits.stdout + fits.stderr
    assert "nothing to adapt" in fits.stdout


def test_doctor_edits_the_variable_that_brings_the_name_in(
    tmp_path: Path, foreign_db: str, target: str
) -> None:
    checklist = tmp_path / "vars.yaml"
    checklist.write_text(f"""\
title: Variables
variables:
  CONNECTIONS_METRIC: {{default: database_connections_in_use}}
sections:
  - id: runtime
    title: Runtime
    criteria:
      - id: db-connections
        title: Connections
        probe:
          kind: metrics
          url: {target}
          gauge: ${{CONNECTIONS_METRIC}}
          compare: "< 80"
          artifact: null
""")
    report = json.loads(gonogo("doctor", str(checklist), "--json", cwd=tmp_path).stdout)
    [edit] = report["edits"]
    assert (edit["how"], edit["path"], edit["after"]) == (
        "variable_default",
        "variables.CONNECTIONS_METRIC.default",
        "db_connections_active",
    )
    from_env = gonogo(
        "doctor",
        str(checklist),
        "--json",
        cwd=tmp_path,
        env={"CONNECTIONS_METRIC": "database_connections_in_use"},
    )
    [edit] = json.loads(from_env.stdout)["edits"]
    assert (edit["how"], edit["path"], edit["after"]) == (
        "environment",
        "CONNECTIONS_METRIC",
        "db_connections_active",
    )


def test_doctor_on_unusable_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: Bad\nsections:\n  - id: s\n    title: S\n    criteria: 3\n")
    result = gonogo("doctor", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"{bad}:5: sections[0].criteria" in result.stderr
    missing = gonogo("doctor", str(tmp_path / "nope.yaml"), cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_doctor_never_overwrites_a_file(tmp_path: Path, foreign_db: str, target: str) -> None:
    checklist = _checklist(tmp_path, foreign_db, target)
    result = gonogo("doctor", str(checklist), "--write", str(checklist), cwd=tmp_path)
    assert result.returncode == 2
    assert "already exists" in result.stderr


def _criteria(document: dict[str, object]) -> list[dict[str, str]]:
    sections = document["sections"]
    assert isinstance(sections, list)
    return [criterion for section in sections for criterion in section["criteria"]]


def test_doctor_fits_a_prometheus_query_to_the_names_the_server_stores(
    tmp_path: Path, http_server: HttpTestServer
) -> None:
    import httpx

    from tests.servers import PrometheusServer, wait_until

    http_server.route("GET", "/metrics", body=EXPOSITION, headers={"Content-Type": "text/plain"})
    with PrometheusServer(scrape_targets=[f"{http_server.url}/metrics"]) as server:

        def scraped() -> bool:
            answer = httpx.get(f"{server.url}/api/v1/label/__name__/values", timeout=5)
            return "db_connections_active" in answer.json()["data"]

        wait_until(scraped, timeout=20, message="Prometheus scraped the target")
        checklist = tmp_path / "prom.yaml"
        checklist.write_text(f"""\
title: Prometheus
sections:
  - id: runtime
    title: Runtime
    criteria:
      - id: pool-busy
        title: Pool under 80 connections
        probe:
          kind: prometheus
          url: {server.url}
          query: max(database_connections_in_use) by (pool)
          compare: "< 80"
""")
        report = gonogo("doctor", str(checklist), "--json", cwd=tmp_path)
        assert report.returncode == 1, report.stderr
        [edit] = json.loads(report.stdout)["edits"]
        assert (edit["path"], edit["after"]) == (
            "sections[0].criteria[0].probe.query",
            "max(db_connections_active) by (pool)",
        )
        fitted = tmp_path / "fitted.yaml"
        gonogo("doctor", str(checklist), "--write", str(fitted), cwd=tmp_path)
        assert gonogo("check", str(fitted), cwd=tmp_path).returncode == 0
        assert gonogo("doctor", str(fitted), cwd=tmp_path).returncode == 0
