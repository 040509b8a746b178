"""The `metrics` probe: a real scrape, prometheus_client's parser, PromQL-exact quantiles."""

from __future__ import annotations

import math

import httpx
import pytest
from pydantic import ValidationError

from gonogo_tui.core.probes.base import Status
from gonogo_tui.core.probes.metrics import parse_selector
from gonogo_tui.core.probes.metrics_run import histogram_quantile, parse_samples
from tests.core.probes.ops.helpers import arun_engine, context, respec, spec
from tests.servers import HttpTestServer, PrometheusServer

# Two API routes sum by `le` to the cumulative counts 40, 70, 90, 97, 99, 100.
METRICS = """\
# HELP http_request_duration_seconds Request latency.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{route="/api/orders",le="0.05"} 30
http_request_duration_seconds_bucket{route="/api/orders",le="0.1"} 50
http_request_duration_seconds_bucket{route="/api/orders",le="0.25"} 60
http_request_duration_seconds_bucket{route="/api/orders",le="0.5"} 64
http_request_duration_seconds_bucket{route="/api/orders",le="1"} 65
http_request_duration_seconds_bucket{route="/api/orders",le="+Inf"} 65
http_request_duration_seconds_sum{route="/api/orders"} 9.1
http_request_duration_seconds_count{route="/api/orders"} 65
http_request_duration_seconds_bucket{route="/api/risk",le="0.05"} 10
http_request_duration_seconds_bucket{route="/api/risk",le="0.1"} 20
http_request_duration_seconds_bucket{route="/api/risk",le="0.25"} 30
http_request_duration_seconds_bucket{route="/api/risk",le="0.5"} 33
http_request_duration_seconds_bucket{route="/api/risk",le="1"} 34
http_request_duration_seconds_bucket{route="/api/risk",le="+Inf"} 35
http_request_duration_seconds_sum{route="/api/risk"} 4.2
http_request_duration_seconds_count{route="/api/risk"} 35
http_request_duration_seconds_bucket{route="/health",le="0.05"} 5000
http_request_duration_seconds_bucket{route="/health",le="0.1"} 5000
http_request_duration_seconds_bucket{route="/health",le="0.25"} 5000
http_request_duration_seconds_bucket{route="/health",le="0.5"} 5000
http_request_duration_seconds_bucket{route="/health",le="1"} 5000
http_request_duration_seconds_bucket{route="/health",le="+Inf"} 5000
http_request_duration_seconds_sum{route="/health"} 10
http_request_duration_seconds_count{route="/health"} 5000
# HELP http_requests_total Requests by status.
# TYPE http_requests_total counter
http_requests_total{status="200"} 9900
http_requests_total{status="500"} 30
http_requests_total{status="503"} 20
# TYPE database_connections_active gauge
database_connections_active{pool="primary"} 42
database_connections_active{pool="replica"} 12
# TYPE database_connections_max gauge
database_connections_max{pool="primary"} 100
database_connections_max{pool="replica"} 50
# TYPE websocket_staleness_seconds gauge
websocket_staleness_seconds{channel="prices"} 2.5
websocket_staleness_seconds{channel="orders"} 7
# TYPE process_cpu_usage_ratio gauge
process_cpu_usage_ratio 0.35
"""
BUCKETS = [(0.05, 40.0), (0.1, 70.0), (0.25, 90.0), (0.5, 97.0), (1.0, 99.0), (math.inf, 100.0)]
NON_MONOTONIC = [(1.0, 10.0), (2.0, 8.0), (3.0, 15.0), (math.inf, 20.0)]
SPARSE = [(0.1, 0.0), (0.2, 0.0), (5.0, 3.0), (math.inf, 3.0)]


def test_quantile_matches_hand_computed_promql() -> None:
    # p95: rank 95 falls in (0.25, 0.5] holding 7 observations, 5 of them below the rank:
    # 0.25 + 0.25 * 5/7.
    assert histogram_quantile(0.95, BUCKETS) == pytest.approx(0.25 + 0.25 * 5 / 7)
    # p50: rank 50 in (0.05, 0.1] holding 30, 10 below: 0.05 + 0.05 * 10/30.
    assert histogram_quantile(0.5, BUCKETS) == pytest.approx(0.05 + 0.05 / 3)
    # p10: the lowest bucket starts at 0: 0.05 * 10/40.
    assert histogram_quantile(0.1, BUCKETS) == pytest.approx(0.0125)
    # p99.5: rank in the +Inf bucket gives the highest finite bound.
    assert histogram_quantile(0.995, BUCKETS) == 1.0


def test_quantile_edge_cases_follow_promql() -> None:
    assert math.isnan(histogram_quantile(0.5, [(0.1, 1.0), (1.0, 2.0)]))  # no +Inf bucket
    assert math.isnan(histogram_quantile(0.5, [(math.inf, 5.0)]))  # one bucket
    assert math.isnan(histogram_quantile(0.5, [(0.1, 0.0), (math.inf, 0.0)]))  # no observations
    assert histogram_quantile(-0.1, BUCKETS) == -math.inf
    assert histogram_quantile(1.1, BUCKETS) == math.inf
    # Non-monotonic counts are fixed up by taking the running maximum, as PromQL does:
    # 10, 10, 15, 20 puts rank 12 at 2 + 1 * (12 - 10) / (15 - 10).
    assert histogram_quantile(0.6, NON_MONOTONIC) == pytest.approx(2.4)
    # A lowest bucket with a bound <= 0 returns that bound.
    assert histogram_quantile(0.1, [(-1.0, 5.0), (1.0, 10.0), (math.inf, 10.0)]) == -1.0


@pytest.mark.parametrize(
    "buckets", [BUCKETS, NON_MONOTONIC, SPARSE], ids=["api", "fixup", "sparse"]
)
async def test_quantile_equals_prometheus_histogram_quantile(
    prometheus: PrometheusServer, buckets: list[tuple[float, float]]
) -> None:
    """The same buckets through the real PromQL engine (vector literals, no scraping)."""
    series = " or ".join(
        f'label_replace(vector({count:g}), "le", "{"+Inf" if math.isinf(le) else f"{le:g}"}",'
        ' "", "")'
        for le, count in buckets
    )
    async with httpx.AsyncClient(trust_env=False) as client:
        for q in (0.0, 0.1, 0.5, 0.6, 0.9, 0.95, 0.99, 0.995, 1.0):
            answer = await client.get(
                f"{prometheus.url}/api/v1/query",
                params={"query": f"histogram_quantile({q}, {series})"},
            )
            promql = float(answer.json()["data"]["result"][0]["value"][1])
            assert histogram_quantile(q, buckets) == pytest.approx(
                promql, rel=1e-12, nan_ok=True
            ), q


@pytest.fixture
def metrics_server(http_server: HttpTestServer) -> HttpTestServer:
    http_server.route(
        "GET",
        "/api/public/metrics.prom",
        body=METRICS,
        headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
    )
    return http_server


async def test_p95_latency_from_scrape(metrics_server: HttpTestServer) -> None:
    probe = spec(
        kind="metrics",
        url=f"{metrics_server.url}/api/public/metrics.prom",
        histogram='http_request_duration_seconds{route!="/health"}',
        quantile=0.95,
        scale=1000,
        unit=" ms",
        compare="< 200",
    )
    result = await arun_engine(probe, context())
    assert result.status is Status.FAIL
    assert result.value == "p95 429 ms"
    assert result.expected == "p95 < 200 ms"
    assert result.detail == (
        "p95 429 ms is not < 200 ms (100 observations in 6 buckets over 2 series)"
    )
    assert result.artifacts == {"baseline_metrics.txt": METRICS}
    with_health = respec(probe, histogram="http_request_duration_seconds")
    fast = await arun_engine(with_health, context())
    assert fast.status is Status.PASS  # 5000 fast /health requests swamp the API routes
    assert fast.value == "p95 48.1 ms"


async def test_error_rate_from_two_counters(metrics_server: HttpTestServer) -> None:
    probe = spec(
        kind="metrics",
        url=f"{metrics_server.url}/api/public/metrics.prom",
        numerator='http_requests_total{status=~"5.."}',
        denominator="http_requests_total",
        scale=100,
        unit="%",
        compare="< 1",
    )
    result = await arun_engine(probe, context())
    assert result.status is Status.PASS
    assert result.value == "ratio 0.503%"
    assert result.detail == "50 of 9950 counted"
    strict = await arun_engine(respec(probe, compare="< 0.5"), context())
    assert strict.status is Status.FAIL


async def test_gauges_alone_and_over_capacity(metrics_server: HttpTestServer) -> None:
    url = f"{metrics_server.url}/api/public/metrics.prom"
    connections = spec(
        kind="metrics",
        url=url,
        gauge='database_connections_active{pool="primary"}',
        capacity='database_connections_max{pool="primary"}',
        scale=100,
        unit="%",
        compare="< 80",
        artifact=None,
    )
    result = await arun_engine(connections, context())
    assert (result.status, result.value) == (
        Status.PASS,
        "database_connections_active/capacity 42%",
    )
    assert result.artifacts == {}
    total = await arun_engine(
        respec(
            connections, gauge="database_connections_active", capacity="database_connections_max"
        ),
        context(),
    )
    assert total.value == "database_connections_active/capacity 36%"  # (42+12)/(100+50), summed

    staleness = spec(
        kind="metrics", url=url, gauge="websocket_staleness_seconds", unit=" s", compare="< 10"
    )
    stale = await arun_engine(staleness, context())
    assert (stale.status, stale.value) == (Status.PASS, "websocket_staleness_seconds 7 s")
    assert stale.detail == "max over 2 series"

    cpu = spec(
        kind="metrics", url=url, gauge="process_cpu_usage_ratio", scale=100, unit="%",
        compare="< 30",
    )  # fmt: skip
    busy = await arun_engine(cpu, context())
    assert (busy.status, busy.value) == (Status.FAIL, "process_cpu_usage_ratio 35%")


async def test_openmetrics_content_type(http_server: HttpTestServer) -> None:
    text = "# TYPE queue_depth gauge\nqueue_depth 3\n# EOF\n"
    http_server.route(
        "GET", "/metrics", body=text,
        headers={"Content-Type": "application/openmetrics-text; version=1.0.0; charset=utf-8"},
    )  # fmt: skip
    probe = spec(
        kind="metrics", url=f"{http_server.url}/metrics", gauge="queue_depth", compare="< 5"
    )
    result = await arun_engine(probe, context())
    assert (result.status, result.value) == (Status.PASS, "queue_depth 3")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"gauge": "no_such_metric"}, "no series match no_such_metric"),
        (
            {"histogram": "websocket_staleness_seconds", "quantile": 0.5},
            "no websocket_staleness_seconds_bucket",
        ),
        (
            {
                "numerator": 'http_requests_total{status="500"}',
                "denominator": 'http_requests_total{status="418"}',
            },
            "no series match",
        ),
    ],
)  # fmt: skip
async def test_missing_series_are_errors(
    metrics_server: HttpTestServer, fields: dict[str, object], message: str
) -> None:
    probe = spec(
        kind="metrics", url=f"{metrics_server.url}/api/public/metrics.prom", compare="< 1", **fields
    )
    result = await arun_engine(probe, context())
    assert result.status is Status.ERROR
    assert message in result.detail


async def test_bad_answers_are_errors(http_server: HttpTestServer) -> None:
    http_server.route("GET", "/down", status=503, body="maintenance")
    http_server.route("GET", "/garbage", body="this is { not metrics\n")
    for path, message in (("/down", "answered 503"), ("/garbage", "does not parse")):
        probe = spec(kind="metrics", url=f"{http_server.url}{path}", gauge="x", compare="< 1")
        result = await arun_engine(probe, context())
        assert result.status is Status.ERROR
        assert message in result.detail


async def test_token_is_sent_and_never_shown(metrics_server: HttpTestServer) -> None:
    probe = spec(
        kind="metrics",
        url=f"{metrics_server.url}/api/public/metrics.prom",
        token="tok-metrics-123",
        gauge="queue_depth_missing",
        compare="< 1",
    )
    result = await arun_engine(probe, context(), secrets=("tok-metrics-123",))
    assert metrics_server.requests[-1].headers["authorization"] == "Bearer tok-metrics-123"
    assert "tok-metrics-123" not in repr(result)


def test_selectors() -> None:
    selector = parse_selector('http_requests_total{status=~"5..", route!="/health",job="api"}')
    assert selector.name == "http_requests_total"
    assert selector.matches({"status": "503", "route": "/x", "job": "api"})
    assert not selector.matches({"status": "200", "route": "/x", "job": "api"})
    assert not selector.matches({"status": "500", "route": "/health", "job": "api"})
    assert parse_selector("up").matchers == ()
    assert parse_selector('x{a!~"b|c"}').matches({"a": "d"})
    for bad in ('{a="b"}', 'x{a="b"', 'x{a=~"("}', "x{a=b}"):
        with pytest.raises(ValueError):
            parse_selector(bad)


def test_spec_needs_exactly_one_measure() -> None:
    base = {"kind": "metrics", "url": "http://127.0.0.1:1/m", "compare": "< 1"}
    for fields in (
        {},
        {"gauge": "a", "histogram": "b", "quantile": 0.5},
        {"histogram": "b"},
        {"numerator": "a"},
        {"capacity": "c", "numerator": "a", "denominator": "b"},
        {"gauge": 'a{x=~"("}'},
        {"gauge": "a", "artifact": "../escape.txt"},
    ):
        with pytest.raises(ValidationError):
            spec(**base, **fields)


def test_parse_samples_keeps_full_sample_names() -> None:
    names = {sample.name for sample in parse_samples(METRICS)}
    assert "http_requests_total" in names
    assert "http_request_duration_seconds_bucket" in names


async def test_tls_is_verified_unless_insecure(https_server: HttpTestServer) -> None:
    https_server.route("GET", "/metrics", body="# TYPE up gauge\nup 1\n")
    strict = spec(kind="metrics", url=f"{https_server.url}/metrics", gauge="up", compare="== 1")
    refused = await arun_engine(strict, context())
    assert refused.status is Status.ERROR
    assert refused.detail == (
        f"cannot connect to 127.0.0.1:{https_server.port}: TLS certificate not trusted "
        "(set insecure: true only if you must)"
    )
    trusting = await arun_engine(respec(strict, insecure=True), context())
    assert (trusting.status, trusting.value) == (Status.PASS, "up 1")
