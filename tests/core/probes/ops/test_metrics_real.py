"""The `metrics` probe on real expositions (tests/data/real, see its README for sources).

Each sample is served over HTTP as its program serves it; the expected numbers are worked out
here from the sample's own lines, independently of the probe's code.
"""

from __future__ import annotations

import math
import re

import httpx
import pytest

from gonogo_tui.core.probes.base import Status
from gonogo_tui.core.probes.metrics_parse import parse_exposition
from gonogo_tui.core.probes.metrics_run import measure
from tests.core.probes.ops.grafana_shape import REAL
from tests.core.probes.ops.helpers import arun_engine, context, spec
from tests.servers import HttpTestServer, PrometheusServer

TEXT = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"


def sample_text(name: str) -> str:
    return (REAL / name).read_text(encoding="utf-8")


def value_of(text: str, series: str) -> float:
    """The value on the line that starts with `series ` (exact series text as exposed)."""
    line = next(line for line in text.splitlines() if line.startswith(series + " "))
    return float(line[len(series) + 1 :].split()[0])


def serve(server: HttpTestServer, path: str, text: str, content_type: str) -> str:
    """Serve `text` at `path` with this content type whatever `Accept` says."""
    server.route("GET", path, body=text, headers={"Content-Type": content_type})
    return f"{server.url}{path}"


def metrics(url: str, **fields: object) -> object:
    return spec(kind="metrics", url=url, artifact=None, **fields)


async def test_one_strict_openmetrics_rule_does_not_block_the_endpoint(
    http_server: HttpTestServer,
) -> None:
    """client_golang's random example: its histogram over negative values has a negative `_sum`,
    which strict OpenMetrics refuses; the unrelated gauge used to ERROR with it."""
    text = sample_text("go-client-random-openmetrics.txt")
    assert value_of(text, "rpc_durations_histogram_seconds_sum") < 0
    url = serve(http_server, "/metrics", text, OPENMETRICS)
    build = await arun_engine(metrics(url, gauge="go_build_info", compare="== 1"), context())
    assert (build.status, build.value, build.detail) == (
        Status.PASS,
        "go_build_info 1",
        "max over 1 series",
    )
    # p90 by hand: rank 0.9 * 200 = 180 falls in the bucket whose cumulative count first
    # reaches 180; interpolate linearly inside it, as PromQL's histogram_quantile does.
    buckets = [
        (math.inf if le == "+Inf" else float(le), float(count))
        for le, count in re.findall(
            r'^rpc_durations_histogram_seconds_bucket\{le="([^"]+)"\} (\d+)', text, re.M
        )
    ]
    rank = 0.9 * buckets[-1][1]
    index = next(i for i, (_, count) in enumerate(buckets) if count >= rank)
    (low, below), (high, count) = buckets[index - 1], buckets[index]
    expected = low + (high - low) * (rank - below) / (count - below)
    p90 = await arun_engine(
        metrics(url, histogram="rpc_durations_histogram_seconds", quantile=0.9, compare="< 1"),
        context(),
    )
    assert p90.status is Status.PASS
    assert p90.value == f"p90 {expected:.3g}"
    assert p90.detail.startswith("200 observations in 21 buckets over 1 series; ")
    assert (
        "rpc_durations_histogram_seconds read as Prometheus text, as Prometheus ingests it "
        "(strict OpenMetrics refused it: Counter-like samples cannot be negative: "
        "rpc_durations_histogram_seconds_sum -0.0007401410345231135)"
    ) in p90.detail
    summary = await arun_engine(
        metrics(url, histogram='rpc_durations_seconds{service="uniform"}', quantile=0.99,
                compare="< 1000", scale=1e6, unit=" µs"),
        context(),
    )  # fmt: skip
    exported = value_of(text, 'rpc_durations_seconds{service="uniform",quantile="0.99"}')
    assert summary.status is Status.PASS
    assert summary.value == f"p99 {exported * 1e6:.3g} µs"


async def test_a_family_that_does_not_parse_is_named_only_where_needed(
    http_server: HttpTestServer,
) -> None:
    text = sample_text("spring-boot-2.2-micrometer.txt").replace(
        "jvm_threads_live_threads 27.0", "jvm_threads_live_threads twenty-seven"
    )
    url = serve(http_server, "/actuator/prometheus", text, TEXT)
    threads = await arun_engine(metrics(url, gauge="jvm_threads_live_threads", compare="< 100"),
                                context())  # fmt: skip
    assert threads.status is Status.ERROR
    assert threads.detail == (
        "family jvm_threads_live_threads could not be parsed: could not convert string to float: "
        "'twenty-seven'"
    )
    daemons = await arun_engine(metrics(url, gauge="jvm_threads_daemon_threads", compare="< 100"),
                                context())  # fmt: skip
    assert (daemons.status, daemons.value) == (Status.PASS, "jvm_threads_daemon_threads 23")
    assert "jvm_threads_live_threads" not in daemons.detail


async def test_a_micrometer_timer_exported_as_a_summary_says_so(
    http_server: HttpTestServer,
) -> None:
    text = sample_text("spring-boot-2.2-micrometer.txt")
    assert "# TYPE http_server_requests_seconds summary" in text
    url = serve(http_server, "/actuator/prometheus", text, TEXT)
    p95 = metrics(url, histogram="http_server_requests_seconds", quantile=0.95, compare="< 0.5")
    result = await arun_engine(p95, context())
    assert result.status is Status.ERROR
    assert result.detail == (
        "http_server_requests_seconds is a summary without quantiles; enable "
        "percentiles-histogram or export quantile 0.95"
    )
    # The same application with `percentiles: 0.95` exported: Micrometer adds quantile series.
    with_quantiles = text.replace(
        'http_server_requests_seconds_count{exception="None",method="GET",outcome="SUCCESS"',
        'http_server_requests_seconds{exception="None",method="GET",outcome="SUCCESS",'
        'status="200",uri="/actuator",quantile="0.95",} 0.134217728\n'
        'http_server_requests_seconds{exception="None",method="GET",outcome="CLIENT_ERROR",'
        'status="404",uri="/**",quantile="0.95",} 0.016777216\n'
        'http_server_requests_seconds_count{exception="None",method="GET",outcome="SUCCESS"',
    )
    url = serve(http_server, "/with-percentiles", with_quantiles, TEXT)
    exported = await arun_engine(
        metrics(url, histogram="http_server_requests_seconds", quantile=0.95, compare="< 500",
                scale=1000, unit=" ms"),
        context(),
    )  # fmt: skip
    assert (exported.status, exported.value) == (Status.PASS, "p95 134 ms")
    assert exported.detail == (
        "the summary's own quantile=\"0.95\" series, the highest of 2 (a summary's quantiles "
        "cannot be merged)"
    )
    other = await arun_engine(
        metrics(url, histogram="http_server_requests_seconds", quantile=0.99, compare="< 0.5"),
        context(),
    )
    assert other.detail == (
        "http_server_requests_seconds is a summary with quantiles 0.95 but not 0.99; enable "
        "percentiles-histogram or export quantile 0.99"
    )


async def test_a_capacity_of_minus_one_is_no_limit(http_server: HttpTestServer) -> None:
    """Micrometer's jvm_memory_max_bytes is -1 for Metaspace: it is not summed below the ratio,
    and Metaspace's used bytes are left out above it."""
    text = sample_text("spring-boot-2.2-micrometer.txt")
    pools = ["PS Survivor Space", "PS Old Gen", "PS Eden Space", "Code Cache",
             "Compressed Class Space"]  # fmt: skip
    areas = {pool: "heap" if pool.startswith("PS") else "nonheap" for pool in pools}
    used = sum(
        value_of(text, f'jvm_memory_used_bytes{{area="{areas[p]}",id="{p}",}}') for p in pools
    )
    limit = sum(
        value_of(text, f'jvm_memory_max_bytes{{area="{areas[p]}",id="{p}",}}') for p in pools
    )
    assert value_of(text, 'jvm_memory_max_bytes{area="nonheap",id="Metaspace",}') == -1
    url = serve(http_server, "/actuator/prometheus", text, TEXT)
    probe = metrics(url, gauge="jvm_memory_used_bytes", capacity="jvm_memory_max_bytes",
                    scale=100, unit="%", compare="< 80")  # fmt: skip
    result = await arun_engine(probe, context())
    assert result.status is Status.PASS
    assert result.value == f"jvm_memory_used_bytes/capacity {100 * used / limit:.3g}%"
    assert result.detail.endswith(
        '; left out jvm_memory_max_bytes{area="nonheap",id="Metaspace"} -1 (negative: no limit) '
        'with jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 34589000'
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # Prometheus 2.42's own /metrics: one /-/ready request, in the lowest bucket (0, 0.1]:
        # p95 = 0.1 * 0.95.
        ({"histogram": "prometheus_http_request_duration_seconds", "quantile": 0.95}, "p95 0.095"),
        ({"gauge": "go_goroutines"}, "go_goroutines 27"),
        # A summary's own quantile (go_gc_duration_seconds{quantile="0.75"} 0.005777823).
        ({"histogram": "go_gc_duration_seconds", "quantile": 0.75}, "p75 0.00578"),
    ],
)
async def test_prometheus_own_metrics(
    http_server: HttpTestServer, fields: dict[str, object], expected: str
) -> None:
    url = serve(http_server, "/metrics", sample_text("prometheus-2.42-self-metrics.txt"), TEXT)
    result = await arun_engine(metrics(url, compare="< 100", **fields), context())
    assert (result.status, result.value) == (Status.PASS, expected)


async def test_node_exporter_fixture(http_server: HttpTestServer) -> None:
    text = sample_text("node-exporter-e2e-output-darwin.txt")
    # The fixture's thermal collector failed (0): 12 of 13 succeeded.
    collectors = sum(
        float(v) for v in re.findall(r"^node_scrape_collector_success\{.*\} (\S+)$", text, re.M)
    )
    assert collectors == 12
    url = serve(http_server, "/metrics", text, TEXT)
    ok = await arun_engine(
        metrics(url, gauge="node_scrape_collector_success", aggregate="sum",
                compare=f"== {collectors:g}"),
        context(),
    )  # fmt: skip
    assert (ok.status, ok.value) == (Status.PASS, f"node_scrape_collector_success {collectors:g}")
    swap = await arun_engine(
        metrics(url, gauge="node_memory_swap_used_bytes", capacity="node_memory_swap_total_bytes",
                compare="< 1"),
        context(),
    )  # fmt: skip
    assert (swap.status, swap.detail) == (Status.ERROR, "node_memory_swap_total_bytes is 0")


async def test_the_negative_histogram_matches_prometheus_histogram_quantile(
    prometheus: PrometheusServer,
) -> None:
    """The Go example's buckets (bounds below 0 included) through the real PromQL engine."""
    text = sample_text("go-client-random-openmetrics.txt")
    exposition = parse_exposition(text, OPENMETRICS)
    buckets = re.findall(
        r'^rpc_durations_histogram_seconds_bucket\{le="([^"]+)"\} (\d+)', text, re.M
    )
    series = " or ".join(
        f'label_replace(vector({count}), "le", "{le}", "", "")' for le, count in buckets
    )
    async with httpx.AsyncClient(trust_env=False) as client:
        for q in (0.01, 0.1, 0.5, 0.9, 0.95, 0.99):
            probe = spec(kind="metrics", url="http://127.0.0.1:1/m", compare="< 1",
                         histogram="rpc_durations_histogram_seconds", quantile=q)  # fmt: skip
            measured, _, _ = measure(probe, exposition)
            answer = await client.get(
                f"{prometheus.url}/api/v1/query",
                params={"query": f"histogram_quantile({q}, {series})"},
            )
            promql = float(answer.json()["data"]["result"][0]["value"][1])
            assert measured == pytest.approx(promql, rel=1e-12), q
