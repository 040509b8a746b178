"""Runs the `prometheus` probe against the Prometheus HTTP API (httpx)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.findings import Suggestion
from gonogo_tui.core.probes._ops import (
    HttpSession,
    connect_errors,
    error_message,
    fmt_number,
    http_client,
    json_body,
    plural,
)
from gonogo_tui.core.probes.base import Observation, ProbeContext, one_line
from gonogo_tui.core.probes.prometheus import PrometheusProbe
from gonogo_tui.core.probes.prometheus_found import describe_unknown_names
from gonogo_tui.core.probes.transient import http_failure


@dataclass
class _Outcome:
    ok: bool = True
    measured: bool = True
    values: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    output: dict[str, Any] = field(default_factory=dict)
    suggestions: tuple[Suggestion, ...] = ()


async def run_prometheus_probe(spec: PrometheusProbe, ctx: ProbeContext) -> Observation:
    """Query the rules, alerts and instant-query endpoints the spec asks for.

    Raises:
        ProbeError: the server answered with an error or an unexpected document.
    """
    with connect_errors(spec.url):
        return await _run_prometheus_probe(spec, ctx)


async def _run_prometheus_probe(spec: PrometheusProbe, ctx: ProbeContext) -> Observation:
    base = spec.url.rstrip("/")
    outcome = _Outcome()
    async with http_client(
        ctx, insecure=spec.insecure, headers=spec.headers, token=spec.token
    ) as client:
        if spec.alert_rules is not None:
            data = await _api(client, f"{base}/api/v1/rules", {"type": "alert"})
            _check_rules(spec, data, outcome)
        if spec.max_firing is not None:
            data = await _api(client, f"{base}/api/v1/alerts", {})
            _check_alerts(spec, data, outcome)
        if spec.query is not None:
            data = await _api(client, f"{base}/api/v1/query", {"query": spec.query})
            _check_query(spec, data, outcome)
            if not outcome.output["query"]["samples"]:
                # Often a name the server never stored: say which, and what it has.
                unknown = await describe_unknown_names(client, base, spec.query)
                if unknown.clause:
                    blocking = not outcome.ok or not outcome.measured
                    (outcome.problems if blocking else outcome.notes).append(unknown.clause)
                    outcome.output["closest_metric_names"] = unknown.listing.splitlines()
                    if blocking:
                        outcome.suggestions = unknown.suggestions
    detail = "; ".join(outcome.problems) if outcome.problems else "; ".join(outcome.notes)
    return Observation(
        ok=outcome.ok,
        value=", ".join(outcome.values),
        detail=detail,
        output=json.dumps(outcome.output, indent=1, sort_keys=True),
        measured=outcome.measured,
        suggestions=outcome.suggestions,
    )


async def _api(client: HttpSession, url: str, params: dict[str, str]) -> Any:
    response = await client.get(url, params=params)
    endpoint = url.rsplit("/api/", 1)[-1]
    if response.status_code in (401, 403):
        raise ProbeError(
            f"Prometheus {endpoint}: {response.status_code} (check the token or proxy credentials)"
        )
    document = json_body(response, f"Prometheus {endpoint}")
    if not isinstance(document, dict) or document.get("status") != "success":
        raise http_failure(
            response.status_code,
            response.headers,
            f"Prometheus {endpoint}: status {response.status_code}: {error_message(response)}",
        )
    data = document.get("data")
    if not isinstance(data, dict):
        raise ProbeError(f"Prometheus {endpoint}: answer has no 'data' object")
    return data


def _check_rules(spec: PrometheusProbe, data: dict[str, Any], outcome: _Outcome) -> None:
    assert spec.alert_rules is not None
    rules = [
        rule
        for group in _list(data.get("groups"))
        for rule in _list(group.get("rules") if isinstance(group, dict) else None)
        if isinstance(rule, dict) and rule.get("type", "alerting") == "alerting"
    ]
    unhealthy = [rule for rule in rules if rule.get("health") != "ok"]
    outcome.values.append(plural(len(rules), "rule"))
    outcome.output["alert_rules"] = [
        {key: rule.get(key) for key in ("name", "health", "state", "lastError") if key in rule}
        for rule in rules
    ]
    if not rules:  # a server with no rules loaded measured nothing: never "0 rules, healthy"
        outcome.measured = False
        outcome.problems.append("no data: the server has 0 alerting rules loaded")
        return
    if not spec.alert_rules.holds(len(rules)):
        outcome.ok = False
        outcome.problems.append(
            f"{plural(len(rules), 'alerting rule')}, expected {spec.alert_rules}"
        )
    if unhealthy:
        described = ", ".join(_describe_unhealthy(rule) for rule in unhealthy[:5])
        more = f" and {len(unhealthy) - 5} more" if len(unhealthy) > 5 else ""
        text = f"{plural(len(unhealthy), 'unhealthy rule')}: {described}{more}"
        outcome.values.append(f"{len(unhealthy)} unhealthy")
        if spec.unhealthy_rules == "fail":
            outcome.ok = False
            outcome.problems.append(text)
        else:
            outcome.notes.append(text)
    else:
        outcome.notes.append(f"{plural(len(rules), 'alerting rule')}, all healthy")


def _describe_unhealthy(rule: dict[str, Any]) -> str:
    name = str(rule.get("name", "?"))
    health = rule.get("health")
    if health == "unknown":
        return f"{name} (not evaluated yet)"
    error = rule.get("lastError")
    return f"{name} ({one_line(str(error), 80)})" if error else f"{name} (health {health})"


def _check_alerts(spec: PrometheusProbe, data: dict[str, Any], outcome: _Outcome) -> None:
    assert spec.max_firing is not None
    states = {"firing", "pending"} if spec.include_pending else {"firing"}
    matchers = [(name, re.compile(rx)) for name, rx in spec.alert_labels.items()]
    counted: list[dict[str, Any]] = []
    for alert in _list(data.get("alerts")):
        if not isinstance(alert, dict) or alert.get("state") not in states:
            continue
        labels = alert.get("labels") if isinstance(alert.get("labels"), dict) else {}
        assert isinstance(labels, dict)
        if str(labels.get("alertname", "")) in spec.ignore_alerts:
            continue
        if all(rx.fullmatch(str(labels.get(name, ""))) for name, rx in matchers):
            counted.append(alert)
    word = "firing" if not spec.include_pending else "firing/pending"
    outcome.values.append(f"{len(counted)} {word}")
    outcome.output["alerts"] = [
        {
            "labels": alert.get("labels"),
            "state": alert.get("state"),
            "activeAt": alert.get("activeAt"),
        }
        for alert in counted
    ]
    if len(counted) > spec.max_firing:
        outcome.ok = False
        names = sorted(
            {str((alert.get("labels") or {}).get("alertname", "?")) for alert in counted}
        )
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        outcome.problems.append(f"{plural(len(counted), 'alert')} {word}: {shown}")
    else:
        outcome.notes.append(f"{len(counted)} {word} alerts")


def _check_query(spec: PrometheusProbe, data: dict[str, Any], outcome: _Outcome) -> None:
    assert spec.compare is not None and spec.query is not None
    samples = _samples(data)
    outcome.output["query"] = {"query": spec.query, "samples": samples}
    if not samples:
        outcome.values.append("no data")
        if spec.on_empty == "error":
            outcome.measured = False
            outcome.problems.append(f"no data: query returned no samples ({spec.query})")
        elif spec.on_empty == "fail":
            outcome.ok = False
            outcome.problems.append("query returned no samples")
        else:
            outcome.notes.append("query returned no samples")
        return
    failing = [(labels, value) for labels, value in samples if not _holds(spec, value)]
    if len(samples) == 1:
        outcome.values.append(f"{fmt_number(samples[0][1])}{spec.unit}")
    else:
        worst = failing[0][1] if failing else samples[0][1]
        outcome.values.append(f"{len(samples)} series, {fmt_number(worst)}{spec.unit}")
    if failing:
        outcome.ok = False
        shown = ", ".join(
            f"{_series(labels)} = {fmt_number(value)}{spec.unit}" for labels, value in failing[:3]
        )
        outcome.problems.append(
            f"{plural(len(failing), 'sample')} not {spec.compare}{spec.unit}: {shown}"
        )
    else:
        outcome.notes.append(
            f"query {spec.compare}{spec.unit} for {plural(len(samples), 'series', 'series')}"
        )


def _holds(spec: PrometheusProbe, value: float) -> bool:
    assert spec.compare is not None
    return not math.isnan(value) and spec.compare.holds(value)


def _samples(data: dict[str, Any]) -> list[tuple[dict[str, str], float]]:
    kind = data.get("resultType")
    result = data.get("result")
    if kind == "scalar" and isinstance(result, list) and len(result) == 2:
        return [({}, _float(result[1]))]
    if kind == "vector" and isinstance(result, list):
        samples = []
        for item in result:
            if isinstance(item, dict) and isinstance(item.get("value"), list):
                metric = item.get("metric") if isinstance(item.get("metric"), dict) else {}
                assert isinstance(metric, dict)
                samples.append(
                    ({str(k): str(v) for k, v in metric.items()}, _float(item["value"][1]))
                )
        return samples
    raise ProbeError(
        f"Prometheus query: result type {kind!r} cannot be compared (use an instant vector)"
    )


def _float(raw: object) -> float:
    try:
        return float(str(raw))
    except ValueError:
        raise ProbeError(
            f"Prometheus query: sample value {str(raw)[:30]!r} is not a number"
        ) from None


def _series(labels: dict[str, str]) -> str:
    if not labels:
        return "{}"
    name = labels.get("__name__", "")
    rest = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    return f"{name}{{{rest}}}"


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


__all__ = ["run_prometheus_probe"]
