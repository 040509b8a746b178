"""`gonogo doctor` on a criterion that passes although its label filter filters nothing
(`route!~"/health"` where the series carry `uri`), and on variables its own edits change;
as a subprocess, against a real HTTP server serving an exposition."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.servers import HttpTestServer
from tests.test_cli_check import gonogo

# Micrometer-style: the route label is `uri`; the pool gauges have their own names.
EXPOSITION = """\
# TYPE http_server_requests_seconds histogram
http_server_requests_seconds_bucket{uri="/api/orders",le="0.1"} 50
http_server_requests_seconds_bucket{uri="/api/orders",le="1"} 96
http_server_requests_seconds_bucket{uri="/api/orders",le="+Inf"} 100
http_server_requests_seconds_count{uri="/api/orders"} 100
http_server_requests_seconds_sum{uri="/api/orders"} 30
http_server_requests_seconds_bucket{uri="/health",le="0.1"} 5000
http_server_requests_seconds_bucket{uri="/health",le="1"} 5000
http_server_requests_seconds_bucket{uri="/health",le="+Inf"} 5000
http_server_requests_seconds_count{uri="/health"} 5000
http_server_requests_seconds_sum{uri="/health"} 10
# TYPE db_connections_active gauge
db_connections_active{pool="main"} 7
"""
P95 = 'http_server_requests_seconds{route!~"/health|/metrics"}'


@pytest.fixture
def target(http_server: HttpTestServer) -> str:
    http_server.route(
        "GET", "/metrics", body=EXPOSITION, headers={"Content-Type": "text/plain; version=0.0.4"}
    )
    return f"{http_server.url}/metrics"


def _checklist(folder: Path, url: str, p95: str = P95, extra: str = "") -> Path:
    path = folder / "labels.yaml"
    path.write_text(f"""\
title: Labels
variables:
  METRICS_URL: {{default: "{url}"}}
  CONNECTIONS_METRIC: {{default: database_connections_in_use}}
sections:
  - id: runtime
    title: Runtime
    criteria:
      - id: p95
        title: API p95 under 2 s, health checks left out
        probe:
          kind: metrics
          url: ${{METRICS_URL}}
          histogram: '{p95}'
          quantile: 0.95
          scale: 1000
          compare: "< 2000"
          artifact: null
      - id: pool
        title: Connections under 80
        probe:
          kind: metrics
          url: ${{METRICS_URL}}
          gauge: ${{CONNECTIONS_METRIC}}
          compare: "< 80"
          artifact: null
{extra}""")
    return path


def test_a_passing_criterion_whose_filter_filters_nothing_is_fitted(
    tmp_path: Path, target: str
) -> None:
    checklist = _checklist(tmp_path, target)
    check = json.loads(gonogo("check", str(checklist), "--json", cwd=tmp_path).stdout)
    [p95] = [c for c in check["sections"][0]["criteria"] if c["id"] == "p95"]
    assert p95["status"] == "PASS" and "filters nothing" in p95["detail"]
    assert p95["value"] == "p95 95.9"  # the 5000 fast health checks pull it down

    shown = gonogo("doctor", str(checklist), cwd=tmp_path)
    assert shown.returncode == 1, shown.stdout + shown.stderr  # it passes, and is not truthful
    assert 'p95: route!~"/health|/metrics" -> uri!~"/health|/metrics"' in shown.stdout
    assert "passes, but its filter filters nothing" in shown.stdout
    report = json.loads(gonogo("doctor", str(checklist), "--json", cwd=tmp_path).stdout)
    assert report["passing_but_mismatched"] == ["p95"]
    edits = {e["criterion_id"]: e for e in report["edits"]}
    assert (edits["p95"]["how"], edits["p95"]["field"], edits["p95"]["after"]) == (
        "field",
        "histogram",
        'http_server_requests_seconds{uri!~"/health|/metrics"}',
    )

    fitted = tmp_path / "fitted.yaml"
    gonogo("doctor", str(checklist), "--write", str(fitted), cwd=tmp_path)
    assert f"histogram: '{P95.replace('route', 'uri')}'" in fitted.read_text()
    after = json.loads(gonogo("check", str(fitted), "--json", cwd=tmp_path).stdout)
    [p95] = [c for c in after["sections"][0]["criteria"] if c["id"] == "p95"]
    # Health checks left out, the p95 is the API's own.
    assert (p95["status"], p95["value"]) == ("PASS", "p95 980")
    assert "filters nothing" not in p95["detail"]
    fits = gonogo("doctor", str(fitted), "--json", cwd=tmp_path)
    assert fits.returncode == 0, fits.stdout
    assert json.loads(fits.stdout)["passing_but_mismatched"] == []


def test_a_filter_on_a_label_nothing_stands_for_is_listed_unplaced(
    tmp_path: Path, target: str
) -> None:
    checklist = _checklist(tmp_path, target, p95='http_server_requests_seconds{shard!="b"}')
    shown = gonogo("doctor", str(checklist), cwd=tmp_path)
    assert shown.returncode == 1, shown.stdout + shown.stderr
    text = shown.stdout
    assert 'p95: sections[0].criteria[0].probe.histogram: shard!="b" does not fit' in text
    assert "nothing on the target comes close" in text
    assert "passes, but its filter filters nothing" in text
    assert "(its series carry uri)" in text  # the labels there are, to choose from
    report = json.loads(gonogo("doctor", str(checklist), "--json", cwd=tmp_path).stdout)
    [unplaced] = report["unplaced"]
    assert (unplaced["found"], unplaced["suggested"]) == ('shard!="b"', None)


def test_the_variables_doctor_edits_are_not_listed_as_left_at_their_defaults(
    tmp_path: Path, target: str
) -> None:
    """Doctor edits CONNECTIONS_METRIC's default: it does not also advise setting it in the
    environment (the edit is what to do); METRICS_URL, which no edit touches, stays listed."""
    inline = """\
      - id: idle
        title: Idle connections under 50
        probe:
          kind: metrics
          url: ${METRICS_URL}
          gauge: ${IDLE_METRIC:-database_connections_active}
          compare: "< 50"
          artifact: null
"""
    checklist = _checklist(tmp_path, target, p95=P95.replace("route", "uri"), extra=inline)
    report = json.loads(gonogo("doctor", str(checklist), "--json", cwd=tmp_path).stdout)
    assert {(e["criterion_id"], e["path"]) for e in report["edits"]} == {
        ("pool", "variables.CONNECTIONS_METRIC.default"),
        ("idle", "sections[0].criteria[2].probe.gauge"),  # the inline default
    }
    assert [v["name"] for v in report["variables_at_default"]] == ["METRICS_URL"]
    shown = gonogo("doctor", str(checklist), cwd=tmp_path)
    assert shown.returncode == 1
    defaults = shown.stdout[shown.stdout.index("Variables left at their defaults") :]
    assert "METRICS_URL=" in defaults
    assert "CONNECTIONS_METRIC" not in defaults and "IDLE_METRIC" not in defaults


def test_one_run_renames_the_metric_and_fits_its_filter(tmp_path: Path, target: str) -> None:
    checklist = _checklist(
        tmp_path, target, p95=P95.replace("http_server_requests", "http_request_duration")
    )
    shown = gonogo("doctor", str(checklist), cwd=tmp_path)
    assert shown.returncode == 1, shown.stdout + shown.stderr
    # Shown as made one after the other: the second edit starts from the first's result.
    assert (
        '    - http_request_duration_seconds{route!~"/health|/metrics"}\n'
        '    + http_server_requests_seconds{route!~"/health|/metrics"}\n'
    ) in shown.stdout
    assert (
        '    - http_server_requests_seconds{route!~"/health|/metrics"}\n'
        '    + http_server_requests_seconds{uri!~"/health|/metrics"}\n'
    ) in shown.stdout
    fitted = tmp_path / "fitted.yaml"
    gonogo("doctor", str(checklist), "--write", str(fitted), cwd=tmp_path)
    assert f"histogram: '{P95.replace('route', 'uri')}'" in fitted.read_text()
    fits = gonogo("doctor", str(fitted), cwd=tmp_path)
    assert fits.returncode == 0, fits.stdout
