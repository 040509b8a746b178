"""The demo's HTTP services answer in the shapes of the systems they stand for."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gonogo_tui.demo.github import ALL_WORKFLOWS, WORKFLOWS, GithubApi, serve_github, workflow_runs
from gonogo_tui.demo.grafana import DASHBOARD_UID, serve_grafana
from gonogo_tui.demo.scenarios import LATENCY_BUCKETS, SCENARIOS, Scenario
from gonogo_tui.demo.webapp import metrics_text, serve_api, serve_web_app
from tests.servers import HttpTestServer

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
TOKEN = "ghp_shapeTestToken"
REPOSITORY = "spark-trading/spark-trading"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=5) as http_client:
        yield http_client


def test_web_app_sends_the_security_headers_with_a_fresh_nonce(
    http_server: HttpTestServer, client: httpx.Client
) -> None:
    serve_web_app(http_server, SCENARIOS[Scenario.GREEN])
    first, second = (client.get(f"{http_server.url}/") for _ in range(2))
    nonces = [
        re.findall(r"'nonce-([A-Za-z0-9_-]{16,})'", r.headers["content-security-policy"])
        for r in (first, second)
    ]
    assert len(nonces[0]) == len(nonces[1]) == 1 and nonces[0] != nonces[1]
    assert f'nonce="{nonces[0][0]}"' in first.text
    assert first.headers["cross-origin-embedder-policy"] == "require-corp"
    assert first.headers["cross-origin-opener-policy"] == "same-origin"
    assert first.headers["strict-transport-security"].startswith("max-age=31536000")
    assert client.head(f"{http_server.url}/").status_code == 200
    report = client.post(
        f"{http_server.url}/api/csp-report",
        headers={"Content-Type": "application/csp-report"},
        content=b'{"csp-report":{"document-uri":"test","violated-directive":"test"}}',
    )
    assert report.status_code == 204 and report.content == b""


def test_review_scenario_shortens_hsts(http_server: HttpTestServer, client: httpx.Client) -> None:
    serve_web_app(http_server, SCENARIOS[Scenario.REVIEW])
    hsts = client.get(f"{http_server.url}/").headers["strict-transport-security"]
    assert hsts.startswith("max-age=86400")


def _p95(text: str) -> float:
    buckets: dict[float, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "http_request_duration_seconds_bucket":
                bound = float(sample.labels["le"])
                buckets[bound] = buckets.get(bound, 0.0) + sample.value
    bounds = sorted(buckets)
    rank = 0.95 * buckets[bounds[-1]]
    lower, below = 0.0, 0.0
    for bound in bounds:
        if buckets[bound] >= rank:
            return lower + (bound - lower) * (rank - below) / (buckets[bound] - below)
        lower, below = bound, buckets[bound]
    raise AssertionError("no bucket holds the rank")


@pytest.mark.parametrize(("scenario", "within"), [(Scenario.GREEN, True), (Scenario.RED, False)])
def test_metrics_text_parses_and_carries_the_scenario(scenario: Scenario, within: bool) -> None:
    text = metrics_text(SCENARIOS[scenario])
    families = {family.name: family for family in text_string_to_metric_families(text)}
    assert {
        "http_request_duration_seconds",
        "http_requests",
        "error_rate",
        "database_connections_in_use",
        "database_connections_capacity",
        "websocket_staleness_seconds",
        "resource_utilization_ratio",
    } <= set(families)
    assert len(SCENARIOS[scenario].latency_profile) == len(LATENCY_BUCKETS)
    assert (_p95(text) < 0.2) is within
    (error_rate,) = families["error_rate"].samples
    assert (error_rate.value < 0.01) is within


def test_api_serves_flags_and_metrics(http_server: HttpTestServer, client: httpx.Client) -> None:
    serve_api(http_server, SCENARIOS[Scenario.GREEN], lambda: NOW)
    flags = client.get(f"{http_server.url}/api/features/status").json()["flags"]
    assert {"FEATURE_OUTBOX", "FEATURE_BIST", "FEATURE_PAPER_TRADING", "FEATURE_EXECUTION"} <= set(
        flags
    )
    assert all(flag["toggleable"] is True for flag in flags.values())
    metrics = client.get(f"{http_server.url}/api/public/metrics.prom")
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")


def test_grafana_needs_the_token_and_has_ten_panels(
    http_server: HttpTestServer, client: httpx.Client
) -> None:
    serve_grafana(http_server, "glsa_right")
    url = f"{http_server.url}/api/dashboards/uid/{DASHBOARD_UID}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer glsa_wrong"}).status_code == 401
    auth = {"Authorization": "Bearer glsa_right"}
    dashboard = client.get(url, headers=auth).json()["dashboard"]
    assert dashboard["uid"] == DASHBOARD_UID and len(dashboard["panels"]) == 10
    uids = {panel["datasource"]["uid"] for panel in dashboard["panels"]}
    for uid in uids:
        health = client.get(f"{http_server.url}/api/datasources/uid/{uid}/health", headers=auth)
        assert health.json()["status"] == "OK"
    assert client.get(f"{url}-nope", headers=auth).status_code == 404


def _github(server: HttpTestServer, failing: str | None = None) -> None:
    runs = workflow_runs(REPOSITORY, NOW, failing)
    serve_github(server, GithubApi(server.url, REPOSITORY, TOKEN, runs))


def test_github_refuses_a_bad_token(http_server: HttpTestServer, client: httpx.Client) -> None:
    _github(http_server)
    answer = client.get(f"{http_server.url}/repos/{REPOSITORY}/actions/runs")
    assert answer.status_code == 401 and answer.json()["message"] == "Bad credentials"


def test_github_filters_and_paginates_like_the_rest_api(
    http_server: HttpTestServer, client: httpx.Client
) -> None:
    _github(http_server, failing="headers-smoke.yml")
    client.headers["Authorization"] = f"Bearer {TOKEN}"
    base = f"{http_server.url}/repos/{REPOSITORY}/actions"
    for workflow in WORKFLOWS:
        page = client.get(
            f"{base}/workflows/{workflow}/runs",
            params={"branch": "main", "status": "completed", "per_page": "1"},
        ).json()
        (run,) = page["workflow_runs"]
        assert run["path"] == f".github/workflows/{workflow}"
        assert run["conclusion"] == ("failure" if workflow == "headers-smoke.yml" else "success")
        assert page["total_count"] > 1
    first = client.get(f"{base}/runs", params={"per_page": "5"})
    runs = first.json()["workflow_runs"]
    assert len(runs) == 5
    assert [run["created_at"] for run in runs] == sorted(
        (run["created_at"] for run in runs), reverse=True
    )
    next_url = re.search(r'<([^>]+)>; rel="next"', first.headers["link"])
    assert next_url is not None
    second = client.get(next_url.group(1)).json()["workflow_runs"]
    assert {run["id"] for run in second}.isdisjoint(run["id"] for run in runs)
    assert client.get(f"{base}/workflows/nope.yml/runs").status_code == 404
    assert client.get(f"{base}/workflows").json()["total_count"] == len(ALL_WORKFLOWS)


def test_the_env_file_is_replaced_whole_and_private(tmp_path: Path) -> None:
    """A tool (or the demo's own test) that reads demo.env as soon as it exists must never
    see it half written: it is written aside and renamed over the old one."""
    from types import SimpleNamespace

    from gonogo_tui.demo.environment import DemoEnvironment

    path = tmp_path / "demo.env"
    path.write_text("export OLD=1\n")
    before = tmp_path / "before.env"
    os.link(path, before)
    stub = SimpleNamespace(shell_lines=lambda: ["export APP_URL=http://127.0.0.1:1"], root=tmp_path)
    DemoEnvironment.write_env_file(stub, path)  # type: ignore[arg-type]
    assert before.read_text() == "export OLD=1\n", "the old file was not rewritten in place"
    assert path.read_text().startswith("export APP_URL=http://127.0.0.1:1\n")
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["before.env", "demo.env"]
