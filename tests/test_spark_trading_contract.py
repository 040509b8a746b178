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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.readme_examples import readme_example
from tests.servers import (
    HttpTestServer,
    PgBouncerServer,
    PostgresServer,
    PrometheusServer,
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
    "monitoring-notification-channels",
    "team-stakeholders",
}
DEPLOY_WORKFLOW = "deploy.yml"
ALWAYS_OPEN = {
    "DEPLOY_DAYS": "daily",
    "DEPLOY_WINDOW_START": "00:00",
    "DEPLOY_WINDOW_END": "00:00",
    "DEPLOY_MIN_REMAINING": "0s",
}
"""A window open all week (an end at its start is 24 h later): the hour of the run never matters."""


def _schedule_around_now() -> str:
    """The README's on-call schedule with its From/To moved to cover the test's run."""
    now = datetime.now(UTC)
    start = (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    end = (now + timedelta(days=6)).strftime("%Y-%m-%d %H:%M")
    example = readme_example("### The on-call schedule", "markdown")
    return example.replace("2026-11-23 09:00", start).replace("2026-11-30 09:00", end)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


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
        "coverage/coverage-summary.json": readme_example("### The coverage summary", "json"),
        "pacts/web-api.json": '{"consumer": {"name": "web"}, "provider": {"name": "api"}}\n',
        "tests/chaos/db-latency.test.ts": "it('[critical] survives latency', () => {});\n",
        "reports/junit.xml": readme_example("### The JUnit report", "xml"),
        "scripts/runbook-db-restore.md": "# Database restore (PITR)\n\n"
        + readme_example("### The restore runbook", "text"),
        ".github/ONCALL_SCHEDULE.md": _schedule_around_now(),
    }
    for relative, text in files.items():
        path = tmp_path / "repo" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path / "repo"


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
    metrics = readme_example("### Metrics text", "text")
    http_server.route("GET", "/api/public/metrics.prom", body=metrics)
    sources = ["spark-prometheus", "spark-postgres"]
    panels = [
        {
            "id": i,
            "type": "timeseries",
            "title": f"Panel {i}",
            "datasource": {"uid": sources[i % 2]},
        }
        for i in range(1, 11)
    ]
    dashboard = {"dashboard": {"uid": "risk-idempotency-pitr", "panels": panels}, "meta": {}}
    http_server.route("GET", "/api/dashboards/uid/risk-idempotency-pitr", body=dashboard)
    for uid in sources:
        http_server.route("GET", f"/api/datasources/uid/{uid}/health", body={"status": "OK"})
    rules = [
        {"name": f"Rule{i}", "type": "alerting", "health": "ok", "state": "inactive"}
        for i in range(5)
    ]
    http_server.route(
        "GET",
        "/api/v1/rules",
        body={"status": "success", "data": {"groups": [{"name": "spark", "rules": rules}]}},
    )
    http_server.route("GET", "/api/v1/alerts", body={"status": "success", "data": {"alerts": []}})
    finished = datetime.now(UTC) - timedelta(hours=2)
    run = {
        "status": "completed",
        "conclusion": "success",
        "head_branch": "main",
        "created_at": _iso(finished - timedelta(minutes=6)),
        "updated_at": _iso(finished),
    }
    for workflow in (*WORKFLOWS, DEPLOY_WORKFLOW):
        http_server.route(
            "GET",
            f"/repos/{REPOSITORY}/actions/workflows/{workflow}/runs",
            body={"total_count": 1, "workflow_runs": [{**run, "path": workflow}]},
        )
    http_server.route(
        "GET",
        f"/repos/{REPOSITORY}/actions/runs",
        body={"total_count": 5, "workflow_runs": [run] * 5},
    )
    yield http_server


@pytest.fixture
def bouncer(pgbouncer: PgBouncerServer) -> str:
    """The shared pgBouncer's URL, with an idle spark_trading pool (a client has been and gone)."""
    with psycopg.connect(
        pgbouncer.dsn("spark_trading"), autocommit=True, prepare_threshold=None, connect_timeout=5
    ) as conn:
        conn.execute("SELECT 1")
    return pgbouncer.admin_dsn()


def _environment(
    services: HttpTestServer, dsn: str, bouncer: str, **overrides: str
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "GRAFANA_", "DEPLOY_", "GH_"))
    }
    env.update(ALWAYS_OPEN)
    env.update(
        PGBOUNCER_URL=bouncer,
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
    root: Path, services: HttpTestServer, contract_dsn: str, bouncer: str
) -> None:
    code, document, output = _check(root, _environment(services, contract_dsn, bouncer))
    statuses = _statuses(document)
    assert len(statuses) == 49
    probed = {cid: s for cid, s in statuses.items() if cid not in MANUAL_IDS}
    assert len(probed) == 44
    not_passed = {cid: s for cid, s in probed.items() if s != "PASS"}
    assert {cid: _criterion(document, cid)["detail"] for cid in not_passed} == {}
    assert {statuses[cid] for cid in MANUAL_IDS} == {"PENDING"}
    assert (document["decision"], code) == ("NO-GO", 1)
    assert GITHUB_TOKEN not in output and GRAFANA_TOKEN not in output
    sent = [r for r in services.requests if r.path.startswith("/repos/")]
    assert len(sent) == 6  # four workflows, the latest runs, the deployment workflow
    assert {r.headers["authorization"] for r in sent} == {f"Bearer {GITHUB_TOKEN}"}
    grafana = [r for r in services.requests if r.path.startswith("/api/dashboards/")]
    assert {r.headers["authorization"] for r in grafana} == {f"Bearer {GRAFANA_TOKEN}"}


def test_contract_with_every_manual_criterion_ticked_is_go(
    root: Path, services: HttpTestServer, contract_dsn: str, bouncer: str
) -> None:
    env = _environment(services, contract_dsn, bouncer)
    code, document, _ = _check(root, env, "--tick", "*")
    assert set(_statuses(document).values()) == {"PASS"}
    assert (document["decision"], document["sections_go"], code) == ("GO", 10, 0)
    latency = _criterion(document, "flags-latency")
    assert re.fullmatch(r"\d+ ms", latency["value"]), latency
    assert _criterion(document, "baseline-p95-latency")["value"] == "p95 128 ms"
    assert _criterion(document, "db-pgbouncer-pool")["value"].startswith("0% max (")
    assert _criterion(document, "team-oncall-primary")["value"] == "primary Kim Osei"


def test_a_firing_alert_in_real_prometheus_gives_review(
    root: Path,
    services: HttpTestServer,
    contract_dsn: str,
    bouncer: str,
    prometheus: PrometheusServer,
) -> None:
    # The fixture waited until AlwaysFiring shows as firing in /api/v1/alerts.
    env = _environment(services, contract_dsn, bouncer, PROMETHEUS_URL=prometheus.url)
    code, document, _ = _check(root, env, "--tick", "*")
    failing = {cid: s for cid, s in _statuses(document).items() if s != "PASS"}
    assert failing == {"monitoring-no-firing": "FAIL"}
    assert _criterion(document, "monitoring-no-firing")["value"] == "1 firing"
    assert _criterion(document, "monitoring-alert-rules")["value"] == "6 rules"
    assert (document["decision"], document["sections_go"], code) == ("REVIEW", 9, 3)


def test_slow_api_and_a_closed_window_give_no_go(
    root: Path, services: HttpTestServer, contract_dsn: str, bouncer: str
) -> None:
    text = readme_example("### Metrics text", "text")
    slow = text.replace('le="0.1"} 9410', 'le="0.1"} 8500').replace(
        'le="0.25"} 9890', 'le="0.25"} 9000'
    )
    assert slow.count("8500") == 1 and slow.count("} 9000") == 1
    services.route("GET", "/api/public/metrics.prom", body=slow)
    closed = {"DEPLOY_DAYS": "daily", "DEPLOY_WINDOW_START": "00:00", "DEPLOY_WINDOW_END": "00:01"}
    now = datetime.now(UTC)
    if now.hour == 0 and now.minute < 2:  # the one-minute window might be open right now
        closed = {**closed, "DEPLOY_WINDOW_START": "12:00", "DEPLOY_WINDOW_END": "12:01"}
    env = _environment(services, contract_dsn, bouncer, DEPLOY_TIMEZONE="UTC", **closed)
    code, document, _ = _check(root, env, "--tick", "*")
    failing = {cid: s for cid, s in _statuses(document).items() if s != "PASS"}
    assert failing == {"baseline-p95-latency": "FAIL", "team-deploy-window": "FAIL"}
    assert _criterion(document, "team-deploy-window")["value"] == "closed"
    assert (document["decision"], code) == ("NO-GO", 1)


def test_two_sections_out_of_bounds_give_no_go(
    root: Path, services: HttpTestServer, contract_dsn: str, bouncer: str
) -> None:
    (root / "FINAL_VALIDATION_RESILIENCE_SUMMARY.txt").write_text("Status: DRAFT\n")
    services.route("GET", "/", headers={"Cross-Origin-Opener-Policy": "unsafe-none"})
    env = _environment(services, contract_dsn, bouncer)
    code, document, _ = _check(root, env, "--tick", "*")
    statuses = _statuses(document)
    assert statuses["artifacts-signoff"] == "FAIL"
    assert {statuses[c] for c in ("headers-csp", "headers-coep", "headers-coop")} == {"FAIL"}
    no_go = {s["id"] for s in document["sections"] if s["status"] == "NO-GO"}
    assert no_go == {"artifacts", "security-headers"}
    assert (document["decision"], code) == ("NO-GO", 1)
