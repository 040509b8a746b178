"""The `prometheus` probe against a real Prometheus (Debian package) evaluating rules each 1s."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gonogo_tui.core.probes.base import Status
from tests.conftest import FIRING_ALERT, QUIET_ALERTS
from tests.core.probes.ops.helpers import arun_engine, context, spec
from tests.servers import HttpTestServer, PrometheusServer, free_port

RULE_COUNT = 1 + len(QUIET_ALERTS)


async def test_rules_counted_and_firing_alert_fails(prometheus: PrometheusServer) -> None:
    probe = spec(kind="prometheus", url=prometheus.url, alert_rules=">= 5", max_firing=0)
    result = await arun_engine(probe, context())
    assert result.status is Status.FAIL
    assert result.value == f"{RULE_COUNT} rules, 1 firing"
    assert result.detail == f"1 alert firing: {FIRING_ALERT}"
    assert result.expected == "alerting rules >= 5, all healthy, no firing alerts"
    assert result.source == f"{prometheus.url}/api/v1/rules, {prometheus.url}/api/v1/alerts"


async def test_too_few_rules(prometheus: PrometheusServer) -> None:
    probe = spec(kind="prometheus", url=prometheus.url, alert_rules=">= 10")
    result = await arun_engine(probe, context())
    assert result.status is Status.FAIL
    assert result.detail == f"{RULE_COUNT} alerting rules, expected >= 10"


async def test_alerts_filtered_by_labels_or_ignored(prometheus: PrometheusServer) -> None:
    critical_only = spec(
        kind="prometheus",
        url=prometheus.url,
        max_firing=0,
        alert_labels={"severity": "critical|page"},
    )
    result = await arun_engine(critical_only, context())
    assert (result.status, result.value) == (Status.PASS, "0 firing")
    assert result.expected == "no firing alerts (severity=~critical|page)"
    ignored = spec(
        kind="prometheus", url=prometheus.url, max_firing=0, ignore_alerts=[FIRING_ALERT]
    )
    assert (await arun_engine(ignored, context())).status is Status.PASS
    tolerant = spec(kind="prometheus", url=prometheus.url, max_firing=1)
    assert (await arun_engine(tolerant, context())).status is Status.PASS


@pytest.mark.parametrize(
    ("query", "compare", "status", "value"),
    [
        ("vector(0.004)", "< 0.01", Status.PASS, "0.004"),
        ("vector(0.02)", "< 0.01", Status.FAIL, "0.02"),
        ('label_replace(vector(3), "pool", "a", "", "") or vector(9)', "< 5", Status.FAIL,
         "2 series, 9"),
        ("scalar(vector(42))", ">= 42", Status.PASS, "42"),
    ],
)  # fmt: skip
async def test_instant_query_compared(
    prometheus: PrometheusServer, query: str, compare: str, status: Status, value: str
) -> None:
    probe = spec(kind="prometheus", url=prometheus.url, query=query, compare=compare)
    result = await arun_engine(probe, context())
    assert (result.status, result.value) == (status, value)


async def test_empty_and_bad_queries(prometheus: PrometheusServer) -> None:
    empty = spec(kind="prometheus", url=prometheus.url, query="vector(1) > 2", compare="< 1")
    result = await arun_engine(empty, context())
    # No data is never a pass, nor a measured failure: ERROR, naming the query.
    assert (result.status, result.detail) == (
        Status.ERROR,
        "no data: query returned no samples (vector(1) > 2)",
    )
    failing = spec(
        kind="prometheus", url=prometheus.url, query="vector(1) > 2", compare="< 1", on_empty="fail"
    )
    assert (await arun_engine(failing, context())).status is Status.FAIL
    allowed = spec(
        kind="prometheus", url=prometheus.url, query="vector(1) > 2", compare="< 1", on_empty="pass"
    )
    assert (await arun_engine(allowed, context())).status is Status.PASS
    broken = spec(kind="prometheus", url=prometheus.url, query="sum(", compare="< 1")
    error = await arun_engine(broken, context())
    assert error.status is Status.ERROR
    assert error.detail.startswith("Prometheus v1/query: status 400: ")
    text = spec(kind="prometheus", url=prometheus.url, query='"hello"', compare="< 1")
    wrong_type = await arun_engine(text, context())
    assert wrong_type.status is Status.ERROR
    assert "result type 'string' cannot be compared" in wrong_type.detail


async def test_unhealthy_rule_fails_or_is_reported(broken_prometheus: PrometheusServer) -> None:
    probe = spec(kind="prometheus", url=broken_prometheus.url, alert_rules=">= 2")
    result = await arun_engine(probe, context())
    assert result.status is Status.FAIL
    assert result.value == "2 rules, 1 unhealthy"
    assert result.detail == (
        "1 unhealthy rule: BrokenAtEvaluation (vector cannot contain metrics with the same "
        "labelset)"
    )
    lenient = spec(
        kind="prometheus", url=broken_prometheus.url, alert_rules=">= 2", unhealthy_rules="report"
    )
    reported = await arun_engine(lenient, context())
    assert reported.status is Status.PASS
    assert reported.detail.startswith("1 unhealthy rule: BrokenAtEvaluation")


async def test_unreachable_server_is_an_error() -> None:
    port = free_port()
    probe = spec(kind="prometheus", url=f"http://127.0.0.1:{port}", max_firing=0)
    result = await arun_engine(probe, context())
    assert result.status is Status.ERROR
    assert result.detail == f"cannot connect to 127.0.0.1:{port}: connection refused"


async def test_token_sent_refusal_explained_and_redacted(http_server: HttpTestServer) -> None:
    http_server.route("GET", "/api/v1/alerts", status=401, body="Unauthorized")
    probe = spec(kind="prometheus", url=http_server.url, max_firing=0, token="prom-tok-42")
    result = await arun_engine(probe, context(), secrets=("prom-tok-42",))
    assert http_server.requests[0].headers["authorization"] == "Bearer prom-tok-42"
    assert result.status is Status.ERROR
    assert result.detail == "Prometheus v1/alerts: 401 (check the token or proxy credentials)"
    assert "prom-tok-42" not in repr(result)


async def test_not_prometheus_is_an_error(http_server: HttpTestServer) -> None:
    http_server.route("GET", "/api/v1/rules", body="<html>login</html>")
    probe = spec(kind="prometheus", url=http_server.url, alert_rules=">= 1")
    result = await arun_engine(probe, context())
    assert result.status is Status.ERROR
    assert "answer is not JSON" in result.detail


def test_spec_validation() -> None:
    with pytest.raises(ValidationError, match="at least one"):
        spec(kind="prometheus", url="http://x")
    with pytest.raises(ValidationError, match="go together"):
        spec(kind="prometheus", url="http://x", query="up")
    with pytest.raises(ValidationError, match="need 'max_firing'"):
        spec(kind="prometheus", url="http://x", alert_rules=">= 1", ignore_alerts=["Watchdog"])
    with pytest.raises(ValidationError):
        spec(kind="prometheus", url="http://x", max_firing=0, alert_labels={"a": "("})
