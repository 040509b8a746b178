"""No data is never a pass (issue 17, point 3): each kind's empty answer against a real
server or file is ERROR with a detail saying what was found, or FAIL where absence is the
measurement (a missing report, a missing JSON value).

The other kinds' no-data cases are tested next to their kind: sql (`test_sql_probe.py`,
no rows), prometheus queries (`test_prometheus.py::test_empty_and_bad_queries`), pg_health
size growth (`test_pg_health.py::test_size_growth_first_run_records_a_baseline`).
"""

from __future__ import annotations

import json
from pathlib import Path

from gonogo_tui.core.probes.base import Status
from tests.core.probes.local_servers import LocalHttpServer
from tests.core.probes.ops.fake_github import OWNER_REPO, TOKEN, FakeGitHub
from tests.core.probes.ops.helpers import arun_engine, context, run_engine, spec
from tests.servers import HttpTestServer, PgBouncerServer, PostgresServer, PrometheusServer

EMPTY_HISTOGRAM = """# HELP http_request_duration_seconds Request latency.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.1"} 0
http_request_duration_seconds_bucket{le="0.5"} 0
http_request_duration_seconds_bucket{le="+Inf"} 0
http_request_duration_seconds_sum 0
http_request_duration_seconds_count 0
"""


async def test_metrics_histogram_without_observations(http_server: HttpTestServer) -> None:
    http_server.route("GET", "/metrics", body=EMPTY_HISTOGRAM)
    probe = spec(
        kind="metrics",
        url=f"{http_server.url}/metrics",
        histogram="http_request_duration_seconds",
        quantile=0.95,
        scale=1000,
        compare="< 200",
        artifact=None,
    )
    result = await arun_engine(probe, context())
    assert result.status is Status.ERROR  # not "p95 0 ms" PASS
    assert result.detail == (
        "no data: the histogram http_request_duration_seconds has 0 observations since the"
        " target started (3 bucket series at 0)"
    )


def test_junit_reports_without_test_cases(tmp_path: Path) -> None:
    (tmp_path / "junit.xml").write_text(
        '<testsuites><testsuite name="empty" tests="0"/></testsuites>'
    )
    for min_tests in (1, 0):  # even a checklist that accepts no tests learns nothing from none
        probe = spec(kind="junit", path="junit.xml", min_tests=min_tests)
        result = run_engine(probe, context(tmp_path))
        assert (result.status, result.value) == (Status.ERROR, "0 tests")
        assert result.detail == "no data: 0 test cases in 1 JUnit report matching junit.xml"


def test_coverage_report_counting_no_lines(tmp_path: Path) -> None:
    totals = {"covered_lines": 0, "num_statements": 0, "percent_covered": 100.0}
    (tmp_path / "coverage.json").write_text(json.dumps({"totals": totals, "files": {}}))
    result = run_engine(
        spec(kind="coverage", path="coverage.json", compare=">= 80"), context(tmp_path)
    )
    assert (result.status, result.detail) == (
        Status.ERROR,
        "the coverage.py report counts no lines",
    )


def test_file_glob_matching_nothing_is_absent(tmp_path: Path) -> None:
    (tmp_path / "backups").mkdir()
    probe = spec(kind="file", newest_in={"dir": "backups", "glob": "*.dump"}, max_age="1d")
    result = run_engine(probe, context(tmp_path))
    assert (result.status, result.value) == (Status.FAIL, "no files")
    assert result.detail == (
        f"folder {tmp_path / 'backups'} has no matching file (glob '*.dump';"
        " the folder holds no file)"
    )


def test_oncall_schedule_without_shifts(tmp_path: Path) -> None:
    (tmp_path / "oncall.yaml").write_text("timezone: UTC\nshifts: []\n")
    result = run_engine(spec(kind="oncall", path="oncall.yaml"), context(tmp_path))
    assert (result.status, result.value) == (Status.ERROR, "no shifts")
    assert result.detail == "no data: oncall.yaml lists 0 shifts"


async def test_http_json_query_matching_nothing(probe_http: LocalHttpServer) -> None:
    body = json.dumps({"services": [{"name": "api", "status": "up"}]})
    probe_http.respond("/health", headers={"Content-Type": "application/json"}, body=body)
    url = f"{probe_http.url}/health"
    # A filter that matches nothing answers []: that is no value, not a present one.
    present = spec(kind="http", url=url, json=[{"query": "services[?name=='db'].status"}])
    result = await arun_engine(present, context())
    assert (result.status, result.value) == (Status.FAIL, "missing")
    assert result.detail.startswith("JSON services[?name=='db'].status missing")
    absent = spec(
        kind="http", url=url, json=[{"query": "services[?status=='down']", "exists": False}]
    )
    assert (await arun_engine(absent, context())).status is Status.PASS
    counted = spec(
        kind="http", url=url, json=[{"query": "services[?name=='db']", "compare": "< 1"}]
    )
    assert (await arun_engine(counted, context())).status is Status.FAIL


async def test_prometheus_without_alerting_rules() -> None:
    with PrometheusServer(None) as server:
        probe = spec(kind="prometheus", url=server.url, alert_rules=">= 0")
        result = await arun_engine(probe, context())
    assert (result.status, result.value) == (Status.ERROR, "0 rules")
    assert result.detail == "no data: the server has 0 alerting rules loaded"


async def test_github_without_any_run(http_server: HttpTestServer) -> None:
    FakeGitHub(http_server).install()
    probe = spec(
        kind="github_runs",
        api_url=http_server.url,
        repository=OWNER_REPO,
        token=TOKEN,
        branch="main",
        recent={"count": 5},
    )
    result = await arun_engine(probe, context(), secrets=(TOKEN,))
    assert (result.status, result.value) == (Status.ERROR, "0 pending, 0 failed")
    assert result.detail == f"no data: GitHub lists 0 workflow runs on main in {OWNER_REPO}"


async def test_pgbouncer_without_pools(postgres: PostgresServer) -> None:
    postgres.create_database("no_client_yet")
    with PgBouncerServer(postgres, databases=["no_client_yet"]) as bouncer:
        probe = spec(
            kind="pgbouncer",
            dsn=bouncer.dsn("no_client_yet"),
            databases=["no_client_yet"],
            max_utilization="< 80",
        )
        result = await arun_engine(probe, context())
    assert (result.status, result.value) == (Status.ERROR, "no pools")
    assert result.detail == (
        "no data: SHOW POOLS lists no pool for no_client_yet: no client has connected yet"
    )
