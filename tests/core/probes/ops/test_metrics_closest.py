"""`metrics` against a target that names its metrics its own way: "no series match" names
the closest metrics it exposes, with their label names, and the output lists them all."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gonogo_tui.core.probes.base import Status
from gonogo_tui.core.probes.metrics_closest import closest
from gonogo_tui.core.probes.metrics_run import parse_samples
from gonogo_tui.core.probes.prometheus_found import metric_names_in
from tests.core.probes.ops.helpers import arun_engine, context, respec, spec
from tests.servers import HttpTestServer, PrometheusServer, wait_until

FOREIGN = """\
# TYPE pg_stat_database_numbackends gauge
pg_stat_database_numbackends{datname="orders"} 12
# TYPE db_connections_active gauge
db_connections_active{pool="main"} 7
# TYPE db_pool_max gauge
db_pool_max{pool="main"} 40
# TYPE api_latency_seconds histogram
api_latency_seconds_bucket{handler="/orders",le="0.1"} 3
api_latency_seconds_bucket{handler="/orders",le="+Inf"} 4
api_latency_seconds_sum{handler="/orders"} 0.9
api_latency_seconds_count{handler="/orders"} 4
# TYPE http_server_requests_errors_total counter
http_server_requests_errors_total{code="500"} 2
# TYPE http_server_requests_total counter
http_server_requests_total{code="200"} 98
# TYPE node_memory_used_ratio gauge
node_memory_used_ratio 0.5
"""


@pytest.fixture
def foreign_metrics(http_server: HttpTestServer) -> str:
    http_server.route("GET", "/metrics", body=FOREIGN, headers={"Content-Type": "text/plain"})
    return f"{http_server.url}/metrics"


async def test_gauge_names_the_closest_metrics_with_their_labels(foreign_metrics: str) -> None:
    probe = spec(
        kind="metrics", url=foreign_metrics, gauge="database_connections_in_use", compare="< 50"
    )
    result = await arun_engine(probe, context())
    assert result.status is Status.ERROR
    assert result.detail.startswith("no series match database_connections_in_use; closest: ")
    closest_three = result.detail.split("closest: ", 1)[1].split(", ")
    assert "db_connections_active{pool}" in closest_three
    assert "pg_stat_database_numbackends{datname}" in closest_three
    assert result.output.startswith(
        "metrics the target exposes, closest to database_connections_in_use first:\n"
    )
    assert "  api_latency_seconds{handler}" in result.output.splitlines()


async def test_histogram_finds_the_family_by_its_stem(foreign_metrics: str) -> None:
    probe = spec(
        kind="metrics",
        url=foreign_metrics,
        histogram="api_request_latency",
        quantile=0.95,
        compare="< 0.5",
    )
    result = await arun_engine(probe, context())
    assert result.status is Status.ERROR
    assert result.detail.startswith(
        "no api_request_latency_bucket series match api_request_latency; "
        "closest: api_latency_seconds{handler}"
    )


async def test_ratio_and_several_gauges_name_the_closest(foreign_metrics: str) -> None:
    ratio = spec(
        kind="metrics",
        url=foreign_metrics,
        numerator="http_requests_errors",
        denominator="http_requests",
        compare="< 0.01",
    )
    result = await arun_engine(ratio, context())
    assert result.status is Status.ERROR
    assert "no series match http_requests; closest: http_server_requests_total{code}" in (
        result.detail
    )
    several = spec(
        kind="metrics",
        url=foreign_metrics,
        gauge=["memory_usage_ratio", "node_memory_used_ratio"],
        compare="< 0.9",
    )
    result = await arun_engine(several, context())
    assert result.status is Status.ERROR
    assert result.detail.startswith(
        "no data: no series match memory_usage_ratio; closest: node_memory_used_ratio"
    )


def test_closest_ranks_suffixes_stems_and_prefixes() -> None:
    samples = parse_samples(FOREIGN)
    assert closest("http_server_requests_errors", samples)[0].name == (
        "http_server_requests_errors_total"
    )
    assert closest("db_pool_maximum", samples)[0].name == "db_pool_max"
    assert str(closest("api_latency", samples)[0]) == "api_latency_seconds{handler}"


@pytest.fixture
def foreign_prometheus(http_server: HttpTestServer) -> Iterator[PrometheusServer]:
    """A Prometheus scraping the foreign-shaped target, once it has stored its series."""
    http_server.route("GET", "/metrics", body=FOREIGN, headers={"Content-Type": "text/plain"})
    with PrometheusServer(scrape_targets=[f"{http_server.url}/metrics"]) as server:

        def scraped() -> bool:
            answer = httpx.get(f"{server.url}/api/v1/label/__name__/values", timeout=5)
            return "db_connections_active" in answer.json()["data"]

        wait_until(scraped, timeout=20, message="Prometheus scraped the target")
        yield server


async def test_prometheus_empty_query_names_the_closest_metrics(
    foreign_prometheus: PrometheusServer,
) -> None:
    probe = spec(
        kind="prometheus",
        url=foreign_prometheus.url,
        query='max(database_connections_in_use{pool="main"}) by (pool)',
        compare="< 50",
    )
    result = await arun_engine(probe, context())
    assert result.status is Status.ERROR  # no data is never a pass
    assert result.detail.startswith(
        f"no data: query returned no samples ({probe.query}); "
        "no series named database_connections_in_use; closest: "
    )
    closest_three = result.detail.split("closest: ", 1)[1]
    assert "db_connections_active{instance,job,pool}" in closest_three
    assert "pg_stat_database_numbackends{datname,instance,job}" in closest_three
    assert "closest_metric_names" in result.output
    # The same finding as data, for `gonogo doctor`: the name in `query` and the closest.
    observation = await probe.run(context())
    [suggestion] = observation.suggestions
    assert (suggestion.field, suggestion.found) == ("query", "database_connections_in_use")
    assert suggestion.suggested in ("db_connections_active", "pg_stat_database_numbackends")
    present = respec(probe, query="max(db_connections_active) > 100")
    known = await arun_engine(present, context())
    # Every name exists: nothing to add.
    assert known.detail == "no data: query returned no samples (max(db_connections_active) > 100)"


def test_metric_names_in_a_query() -> None:
    query = (
        'sum by (route) (rate(http_requests_total{code=~"5.."}[5m])) / on(route) '
        "sum(rate(http_requests[5m] offset 1h)) > 1e3 and up"
    )
    assert metric_names_in(query) == ["http_requests_total", "http_requests", "up"]


async def test_a_ratio_whose_numerator_names_no_exposed_metric_is_no_data(
    foreign_metrics: str,
) -> None:
    """It summed to 0 and read 0 % errors: a PASS on a name the target never exposes."""
    ratio = spec(
        kind="metrics",
        url=foreign_metrics,
        numerator='http_requests_errors_total{code=~"5.."}',
        denominator="http_server_requests",
        scale=100,
        compare="< 1",
    )
    result = await arun_engine(ratio, context())
    assert result.status is Status.ERROR
    assert result.detail.startswith(
        "no data: no series named http_requests_errors_total; closest: "
        "http_server_requests_errors_total{code}"
    )
    # A metric that is exposed, whose matchers select nothing yet, still counts 0.
    none_yet = respec(ratio, numerator='http_server_requests_errors_total{code="503"}')
    result = await arun_engine(none_yet, context())
    assert result.status is Status.PASS
    assert result.value == "ratio 0"


async def test_mismatches_come_back_as_suggestions_for_doctor(foreign_metrics: str) -> None:
    from gonogo_tui.core.errors import ProbeError
    from gonogo_tui.core.findings import Suggestion

    several = spec(
        kind="metrics",
        url=foreign_metrics,
        gauge=["node_memory_used_ratio", "database_connections_in_use"],
        compare="< 90",
    )
    with pytest.raises(ProbeError) as raised:
        await several.run(context())
    [suggestion] = raised.value.suggestions
    assert suggestion == Suggestion(
        "gauge[1]", "database_connections_in_use", "db_connections_active", suggestion.why
    )
    assert "closest: db_connections_active{pool}" in suggestion.why


async def test_doctor_is_offered_only_a_name_of_the_right_kind_that_resembles(
    foreign_metrics: str,
) -> None:
    """A gauge is never fitted to a histogram family (nor a histogram to a gauge), and a
    name sharing no word, stem or prefix with the wanted one is listed but not proposed."""
    from gonogo_tui.core.errors import ProbeError

    async def suggested(**fields: object) -> str | None:
        with pytest.raises(ProbeError) as raised:
            await spec(kind="metrics", url=foreign_metrics, **fields).run(context())
        [suggestion] = raised.value.suggestions
        return suggestion.suggested

    # `api_latency_seconds` resembles the wanted name most, but it is a histogram.
    assert await suggested(gauge="api_latency_ms", compare="< 1") != "api_latency_seconds"
    assert await suggested(histogram="api_latency", quantile=0.95, compare="< 1") == (
        "api_latency_seconds"
    )
    # The gauge of the very name wanted is no histogram.
    assert await suggested(histogram="db_connections_active", quantile=0.95, compare="< 1") != (
        "db_connections_active"
    )
    assert await suggested(gauge="websocket_staleness_seconds", compare="< 10") is None


async def test_a_gauge_and_its_capacity_both_missing_are_both_suggested(
    foreign_metrics: str,
) -> None:
    """Doctor fits both names in one run, not one per run."""
    from gonogo_tui.core.errors import ProbeError

    probe = spec(
        kind="metrics",
        url=foreign_metrics,
        gauge="database_connections_active",
        capacity="db_pool_maximum",
        compare="< 0.8",
    )
    with pytest.raises(ProbeError) as raised:
        await probe.run(context())
    assert [(s.field, s.suggested) for s in raised.value.suggestions] == [
        ("gauge", "db_connections_active"),
        ("capacity", "db_pool_max"),
    ]
    assert "db_pool_maximum is missing too" in str(raised.value)
