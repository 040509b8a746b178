"""End to end: `gonogo check` on the shipped checklist against an environment that meets
`checklists/README.md` (files from its examples, the contract DDL in a real PostgreSQL,
HTTP answers in the documented shapes, a real Prometheus)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import psycopg
import pytest

from tests.readme_examples import readme_example
from tests.servers import (
    HttpTestServer,
    PostgresServer,
    PrometheusServer,
    RecordedRequest,
    Reply,
)

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "checklists" / "spark-trading.yaml"
README = REPO / "checklists" / "README.md"
CONTRACT_SQL = REPO / "checklists" / "contract" / "spark_trading.sql"
CONTRACT_DATABASE = "spark_contract"
REPOSITORY = "acme/spark-trading"
GITHUB_TOKEN = "ghp_contractTestToken0123"
GRAFANA_TOKEN = "glsa_contractTestToken4567"
WORKFLOWS = (
    "contract-chaos-tests.yml",
    "headers-smoke.yml",
    "database-drift-check.yml",
    "test-workflow.yml",
)
MANUAL_IDS = {
    "artifacts-approvers",
    "rollback-script-staging",
    "rollback-emergency-contacts",
    "db-pgbouncer-pool",
    "monitoring-alert-rules",
    "monitoring-notification-channels",
    "baseline-p95-latency",
    "baseline-error-rate",
    "baseline-db-connections",
    "baseline-ws-staleness",
    "baseline-cpu-memory",
    "team-deploy-window",
    "team-no-conflicts",
    "team-stakeholders",
}
FIRING_QUERY = 'count(ALERTS{alertstate="firing"}) or vector(0)'


@pytest.fixture(scope="module")
def contract_dsn(postgres: PostgresServer) -> str:
    """A database holding the contract objects with a healthy backup history."""
    postgres.create_database(CONTRACT_DATABASE)
    dsn = postgres.dsn(CONTRACT_DATABASE)
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute(CONTRACT_SQL.read_text(encoding="utf-8"))
        conn.execute(CONTRACT_SQL.read_text(encoding="utf-8"))
        conn.execute(
            "INSERT INTO backup_runs (kind, started_at, finished_at, status, size_bytes) "
            "VALUES ('base', now() - interval '3 hours', now() - interval '2 hours', "
            "'success', 1048576)"
        )
        conn.execute(
            "INSERT INTO pitr_tests (started_at, finished_at, target_time, status) "
            "VALUES (now() - interval '2 days 1 hour', now() - interval '2 days', "
            "now() - interval '3 days', 'success')"
        )
        conn.execute(
            "INSERT INTO db_size_history (recorded_at, size_bytes) "
            "VALUES (now() - interval '25 hours', pg_database_size(current_database()))"
        )
        conn.execute("SELECT record_db_size()")
    postgres.switch_wal()
    deadline = time.monotonic() + 15
    while postgres.archiver_status()["last_archived_time"] is None:
        assert time.monotonic() < deadline, "no WAL segment archived"
        time.sleep(0.05)
    return dsn


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A repository checkout holding every file of the contract, fresh."""
    files = {
        "FINAL_VALIDATION_RESILIENCE_SUMMARY.txt": "Status: APPROVED FOR PRODUCTION\n",
        "VALIDATION_AND_RESILIENCE_PACKAGE.md": "# Validation and resilience package\n",
        "docs/VALIDATION_SIGNOFF_CHECKLIST.md": "# Sign-off\n\n"
        + readme_example("### The sign-off line", "text").replace(
            "2026-11-24", time.strftime("%Y-%m-%d", time.gmtime())
        ),
        "coverage/coverage-summary.txt": readme_example("### The coverage summary", "text"),
        "pacts/web-api.json": '{"consumer": {"name": "web"}, "provider": {"name": "api"}}\n',
        "tests/chaos/db-latency.test.ts": "it('[critical] survives latency', () => {});\n",
        "reports/junit.xml": readme_example("### The JUnit report", "xml"),
        "scripts/runbook-db-restore.md": "# Database restore (PITR)\n\n"
        + readme_example("### The restore runbook", "text"),
        ".github/ONCALL_SCHEDULE.md": readme_example("### The on-call schedule", "markdown"),
    }
    for relative, text in files.items():
        path = tmp_path / "repo" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path / "repo"


def _prometheus_answer(request: RecordedRequest) -> Reply:
    assert parse_qs(request.query)["query"] == [FIRING_QUERY]
    result = [{"metric": {}, "value": [time.time(), "0"]}]
    return Reply(body={"status": "success", "data": {"resultType": "vector", "result": result}})


@pytest.fixture
def services(http_server: HttpTestServer) -> Iterator[HttpTestServer]:
    """One local server answering as the web app, API, Grafana, Prometheus and GitHub."""
    page_headers = {
        "Content-Security-Policy": "default-src 'self'; script-src 'nonce-Zm9vYmFyYmF6cXV4MTIz'",
        "Cross-Origin-Embedder-Policy": "require-corp",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    }
    http_server.route("GET", "/", headers=page_headers, body="<!doctype html><title>Spark</title>")
    http_server.route("POST", "/api/csp-report", status=204)
    flags = json.loads(readme_example("### Feature flags", "json"))
    http_server.route("GET", "/api/features/status", body=flags)
    panels = [{"id": i, "type": "timeseries", "title": f"Panel {i}"} for i in range(1, 11)]
    dashboard = {"dashboard": {"uid": "risk-idempotency-pitr", "panels": panels}, "meta": {}}
    http_server.route("GET", "/api/dashboards/uid/risk-idempotency-pitr", body=dashboard)
    http_server.route("GET", "/api/v1/query", handler=_prometheus_answer)
    run = {"status": "completed", "conclusion": "success", "head_branch": "main"}
    for workflow in WORKFLOWS:
        http_server.route(
            "GET",
            f"/repos/{REPOSITORY}/actions/workflows/{workflow}/runs",
            body={"total_count": 1, "workflow_runs": [run]},
        )
    http_server.route(
        "GET",
        f"/repos/{REPOSITORY}/actions/runs",
        body={"total_count": 5, "workflow_runs": [run] * 5},
    )
    yield http_server


def _environment(services: HttpTestServer, dsn: str, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GRAFANA_"))}
    env.update(
        APP_URL=services.url,
        API_URL=services.url,
        GRAFANA_URL=services.url,
        GRAFANA_TOKEN=GRAFANA_TOKEN,
        PROMETHEUS_URL=services.url,
        DATABASE_URL=dsn,
        GITHUB_API_URL=services.url,
        GITHUB_REPOSITORY=REPOSITORY,
        GITHUB_TOKEN=GITHUB_TOKEN,
    )
    env.update(overrides)
    return env


def _check(root: Path, env: dict[str, str], *extra: str) -> tuple[int, dict[str, Any], str]:
    done = subprocess.run(
        [sys.executable, "-m", "gonogo_tui", "check", str(SHIPPED), "--json", "--root", str(root)]
        + ["--operator", "contract-test", *extra],
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout), done.stdout + done.stderr


def _statuses(document: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for s in document["sections"] for c in s["criteria"]}


def _criterion(document: dict[str, Any], criterion_id: str) -> dict[str, Any]:
    (found,) = [c for s in document["sections"] for c in s["criteria"] if c["id"] == criterion_id]
    return found


def test_every_probe_passes_against_the_contract(
    root: Path, services: HttpTestServer, contract_dsn: str
) -> None:
    code, document, output = _check(root, _environment(services, contract_dsn))
    statuses = _statuses(document)
    assert len(statuses) == 49
    probed = {cid: s for cid, s in statuses.items() if cid not in MANUAL_IDS}
    assert len(probed) == 35
    assert {cid: s for cid, s in probed.items() if s != "PASS"} == {}
    assert {statuses[cid] for cid in MANUAL_IDS} == {"PENDING"}
    assert (document["decision"], code) == ("NO-GO", 1)
    assert GITHUB_TOKEN not in output and GRAFANA_TOKEN not in output
    sent = [r for r in services.requests if r.path.startswith("/repos/")]
    assert len(sent) == 5
    assert {r.headers["authorization"] for r in sent} == {f"Bearer {GITHUB_TOKEN}"}
    grafana = [r for r in services.requests if r.path.startswith("/api/dashboards/")]
    assert {r.headers["authorization"] for r in grafana} == {f"Bearer {GRAFANA_TOKEN}"}


def test_contract_with_every_manual_criterion_ticked_is_go(
    root: Path, services: HttpTestServer, contract_dsn: str
) -> None:
    code, document, _ = _check(root, _environment(services, contract_dsn), "--tick", "*")
    assert set(_statuses(document).values()) == {"PASS"}
    assert (document["decision"], document["sections_go"], code) == ("GO", 10, 0)
    latency = _criterion(document, "flags-latency")
    assert re.fullmatch(r"200, \d+ ms", latency["value"]), latency


def test_a_firing_alert_in_real_prometheus_gives_review(
    root: Path, services: HttpTestServer, contract_dsn: str, prometheus: PrometheusServer
) -> None:
    # Rule state is live at once, but the ALERTS series reaches the TSDB only once it is
    # ready (a few seconds after start): wait for the query the probe sends to see it.
    deadline = time.monotonic() + 30
    while prometheus.api("query", query=FIRING_QUERY)["result"][0]["value"][1] == "0":
        assert time.monotonic() < deadline, "ALERTS never showed the firing alert"
        time.sleep(0.1)
    env = _environment(services, contract_dsn, PROMETHEUS_URL=prometheus.url)
    code, document, _ = _check(root, env, "--tick", "*")
    failing = {cid: s for cid, s in _statuses(document).items() if s != "PASS"}
    assert failing == {"monitoring-no-firing": "FAIL"}
    assert _criterion(document, "monitoring-no-firing")["value"] == '"1"'
    assert (document["decision"], document["sections_go"], code) == ("REVIEW", 9, 3)


def test_two_sections_out_of_bounds_give_no_go(
    root: Path, services: HttpTestServer, contract_dsn: str
) -> None:
    (root / "FINAL_VALIDATION_RESILIENCE_SUMMARY.txt").write_text("Status: DRAFT\n")
    services.route("GET", "/", headers={"Cross-Origin-Opener-Policy": "unsafe-none"})
    code, document, _ = _check(root, _environment(services, contract_dsn), "--tick", "*")
    statuses = _statuses(document)
    assert statuses["artifacts-signoff"] == "FAIL"
    assert {statuses[c] for c in ("headers-csp", "headers-coep", "headers-coop")} == {"FAIL"}
    no_go = {s["id"] for s in document["sections"] if s["status"] == "NO-GO"}
    assert no_go == {"artifacts", "security-headers"}
    assert (document["decision"], code) == ("NO-GO", 1)
