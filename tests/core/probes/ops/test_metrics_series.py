"""The `metrics` probe over several gauge metrics, and label matchers that filter nothing
(issue 21), on a real scrape."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes.base import Status
from tests.core.probes.ops.helpers import arun_engine, context, spec
from tests.servers import HttpTestServer

# Micrometer-style: the route label is `uri`, not `route`.
METRICS = """\
# TYPE process_cpu_usage gauge
process_cpu_usage{instance="a"} 0.42
process_cpu_usage{instance="b"} 0.61
# TYPE jvm_memory_used_ratio gauge
jvm_memory_used_ratio{instance="a"} 0.87
jvm_memory_used_ratio{instance="b"} 0.55
# TYPE http_server_requests_seconds histogram
http_server_requests_seconds_bucket{uri="/api/orders",le="0.1"} 50
http_server_requests_seconds_bucket{uri="/api/orders",le="1"} 90
http_server_requests_seconds_bucket{uri="/api/orders",le="+Inf"} 100
http_server_requests_seconds_count{uri="/api/orders"} 100
http_server_requests_seconds_sum{uri="/api/orders"} 30
http_server_requests_seconds_bucket{uri="/health",le="0.1"} 5000
http_server_requests_seconds_bucket{uri="/health",le="1"} 5000
http_server_requests_seconds_bucket{uri="/health",le="+Inf"} 5000
http_server_requests_seconds_count{uri="/health"} 5000
http_server_requests_seconds_sum{uri="/health"} 10
# TYPE http_server_requests_total counter
http_server_requests_total{uri="/api/orders",status="200"} 95
http_server_requests_total{uri="/api/orders",status="500"} 5
"""


@pytest.fixture
def url(http_server: HttpTestServer) -> str:
    http_server.route(
        "GET",
        "/metrics",
        body=METRICS,
        headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
    )
    return f"{http_server.url}/metrics"


def _probe(url: str, **fields: Any) -> Any:
    return spec(kind="metrics", url=url, artifact=None, **fields)


@pytest.mark.parametrize(
    "gauge",
    [
        ["process_cpu_usage", "jvm_memory_used_ratio"],
        '{__name__=~"process_cpu_usage|jvm_memory_.*"}',
    ],
)
async def test_several_gauges_are_each_compared_and_the_worst_named(
    url: str, gauge: object
) -> None:
    failing = await arun_engine(_probe(url, gauge=gauge, compare="< 0.8"), context())
    assert failing.status is Status.FAIL
    assert failing.value == "jvm_memory_used_ratio 0.87"
    assert failing.detail == (
        "jvm_memory_used_ratio 0.87 is not < 0.8 (not < 0.8: jvm_memory_used_ratio;"
        " max of each: process_cpu_usage 0.61, jvm_memory_used_ratio 0.87)"
    )
    passing = await arun_engine(_probe(url, gauge=gauge, compare="< 0.9"), context())
    assert passing.status is Status.PASS
    assert passing.value == "jvm_memory_used_ratio 0.87"
    assert passing.detail == (
        "worst jvm_memory_used_ratio 0.87 of 2 metrics"
        " (max of each: process_cpu_usage 0.61, jvm_memory_used_ratio 0.87)"
    )
    lowest = await arun_engine(_probe(url, gauge=gauge, compare="> 0.5"), context())
    assert lowest.status is Status.PASS
    assert lowest.value == "process_cpu_usage 0.61"


async def test_a_gauge_list_without_data_is_an_error(url: str) -> None:
    result = await arun_engine(
        _probe(url, gauge=["process_cpu_usage", "no_such_gauge"], compare="< 0.8"), context()
    )
    assert result.status is Status.ERROR
    # What the target exposes instead is named (issue 13).
    assert result.detail.startswith("no data: no series match no_such_gauge; closest: ")


def test_several_gauges_take_no_capacity() -> None:
    with pytest.raises(ValidationError, match="'capacity' goes with one gauge metric"):
        _probe("http://x", gauge=["a", "b"], capacity="c", compare="< 1")
    with pytest.raises(ValidationError, match="only 'gauge' may name its metrics by a"):
        _probe("http://x", histogram='{__name__=~"a"}', quantile=0.5, compare="< 1")
    with pytest.raises(ValidationError, match="without a metric name, give"):
        _probe("http://x", gauge='{job="a"}', compare="< 1")


async def test_a_matcher_on_a_label_no_series_carries_is_reported(url: str) -> None:
    """`route!~"/health"` on series that carry `uri` filters nothing: said, pass or fail."""
    probe = _probe(
        url,
        histogram='http_server_requests_seconds{route!~"/health"}',
        quantile=0.95,
        scale=1000,
        unit=" ms",
        compare="< 200",
    )
    result = await arun_engine(probe, context())
    assert result.status is Status.PASS  # the /health requests were not left out
    assert result.detail == (
        '5100 observations in 3 buckets over 2 series; route!~"/health" filters nothing:'
        " no http_server_requests_seconds series carries label route (its series carry uri)"
    )
    fixed = await arun_engine(
        _probe(
            url,
            histogram='http_server_requests_seconds{uri!~"/health"}',
            quantile=0.95,
            scale=1000,
            unit=" ms",
            compare="< 200",
        ),
        context(),
    )
    assert fixed.status is Status.FAIL
    assert "filters nothing" not in fixed.detail
    gauges = await arun_engine(
        _probe(url, gauge='{__name__=~"process_cpu_usage|jvm_.*", pod!="x"}', compare="< 0.8"),
        context(),
    )
    assert gauges.status is Status.FAIL
    assert gauges.detail.endswith(
        'pod!="x" filters nothing: no {__name__=~"process_cpu_usage|jvm_.*", pod!="x"} series'
        " carries label pod (its series carry instance)"
    )


async def test_a_matcher_that_drops_every_series_is_no_data(url: str) -> None:
    """A 5xx ratio over `route="/api/orders"` (the label is `uri`) would read 0%: ERROR."""
    probe = _probe(
        url,
        numerator='http_server_requests_total{route="/api/orders",status=~"5.."}',
        denominator='http_server_requests_total{uri="/api/orders"}',
        compare="< 0.01",
    )
    result = await arun_engine(probe, context())
    assert result.status is Status.ERROR
    assert result.detail == (
        'no data: route="/api/orders" matches no http_server_requests_total series: no series'
        " carries label route (its series carry status, uri)"
    )


async def test_a_matcher_that_filters_nothing_comes_with_the_edit_to_the_carried_label(
    url: str,
) -> None:
    """`route!~` on series that carry `uri`: the probe passes, and still hands doctor the
    edit that puts `uri` in the matcher (the whole matcher: `route` could occur in a regex)."""
    probe = _probe(
        url,
        histogram='http_server_requests_seconds{route !~ "/health|/route\\\\.x",verb!="HEAD"}',
        quantile=0.95,
        scale=1000,
        unit=" ms",
        compare="< 200",
    )
    observation = await probe.run(context())
    assert observation.ok  # the /health requests were not left out: it passes on them
    assert [(s.field, s.found, s.suggested) for s in observation.suggestions] == [
        # written as the selector writes it (spaces, escapes): what the file holds
        ("histogram", 'route !~ "/health|/route\\\\.x"', 'uri !~ "/health|/route\\\\.x"'),
        ("histogram", 'verb!="HEAD"', None),  # no method label: nothing stands for it
    ]
    assert all(s.why in observation.detail for s in observation.suggestions)
    # `verb="GET"` drops every series: no data, and its edit (no method label: none fits).
    probe = _probe(
        url,
        histogram='http_server_requests_seconds{verb="GET"}',
        quantile=0.95,
        compare="< 200",
    )
    with pytest.raises(ProbeError) as raised:
        await probe.run(context())
    [suggestion] = raised.value.suggestions
    assert (suggestion.field, suggestion.found, suggestion.suggested) == (
        "histogram",
        'verb="GET"',
        None,
    )


async def test_each_gauge_and_ratio_field_names_its_own_matcher(url: str) -> None:
    gauges = _probe(
        url,
        gauge=['process_cpu_usage{pod!="x"}', 'jvm_memory_used_ratio{instanse!="y"}'],
        compare="< 0.9",
    )
    observation = await gauges.run(context())
    assert [(s.field, s.found, s.suggested) for s in observation.suggestions] == [
        ("gauge[0]", 'pod!="x"', None),  # nothing stands for pod: said, not guessed
        ("gauge[1]", 'instanse!="y"', 'instance!="y"'),  # close spelling
    ]
    ratio = _probe(
        url,
        numerator='http_server_requests_total{status=~"5.."}',
        denominator='http_server_requests_total{path!="/health"}',
        compare="< 0.1",
    )
    observation = await ratio.run(context())
    assert [(s.field, s.found, s.suggested) for s in observation.suggestions] == [
        ("denominator", 'path!="/health"', 'uri!="/health"'),
    ]
    # `code=~"5.."` on series that carry `status` drops every series: no data, and the edit.
    ratio = _probe(
        url,
        numerator='http_server_requests_total{code=~"5.."}',
        denominator="http_server_requests_total",
        compare="< 0.1",
    )
    with pytest.raises(ProbeError) as raised:
        await ratio.run(context())
    [suggestion] = raised.value.suggestions
    assert (suggestion.field, suggestion.found, suggestion.suggested) == (
        "numerator",
        'code=~"5.."',
        'status=~"5.."',
    )


async def test_a_renamed_metric_brings_the_fit_of_its_label_filters(url: str) -> None:
    """Doctor renames the metric and fits its `route` filter in one run: the rename's
    suggestion comes with the label edit the renamed metric's series call for."""
    probe = _probe(
        url,
        histogram='http_request_duration_seconds{route!~"/health",uri!="/x"}',
        quantile=0.95,
        compare="< 1",
    )
    with pytest.raises(ProbeError) as raised:
        await probe.run(context())
    assert [(s.field, s.found, s.suggested) for s in raised.value.suggestions] == [
        ("histogram", "http_request_duration_seconds", "http_server_requests_seconds"),
        ("histogram", 'route!~"/health"', 'uri!~"/health"'),
    ]
