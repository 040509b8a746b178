"""The `grafana_dashboard` probe against a local server answering Grafana-shaped JSON.

The dashboard follows Grafana's "Get dashboard by uid" response (`dashboard` with `panels`,
rows as `type: row` panels, collapsed rows holding their own `panels`; `meta`), and data
source health follows `GET /api/datasources/uid/:uid/health` (`status` OK or ERROR).
"""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest
from pydantic import ValidationError

from gonogo_tui.core.probes.base import Status
from gonogo_tui.core.probes.grafana.panels import Reference, parse_reference
from gonogo_tui.core.probes.grafana.run import iter_panels
from tests.core.probes.ops.helpers import arun_engine, context, spec
from tests.servers import HttpTestServer, RecordedRequest, Reply

UID = "risk-idempotency-pitr"
TOKEN = "glsa_test_0123456789abcdef"
PROM = {"type": "prometheus", "uid": "prom-main"}
PG = {"type": "grafana-postgresql-datasource", "uid": "pg-backups"}


def panel(
    panel_id: int, title: str, source: Any = PROM, kind: str = "timeseries"
) -> dict[str, Any]:
    return {
        "id": panel_id,
        "type": kind,
        "title": title,
        "datasource": source,
        "gridPos": {"h": 8, "w": 12, "x": 0, "y": panel_id * 8},
        "targets": [{"refId": "A", "datasource": source, "expr": "up"}],
    }


DASHBOARD: dict[str, Any] = {
    "dashboard": {
        "id": 42,
        "uid": UID,
        "title": "Risk, idempotency & PITR",
        "tags": ["spark", "deploy"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 7,
        "templating": {"list": [{"name": "DS", "type": "datasource", "query": "prometheus"}]},
        "panels": [
            panel(1, "Order rate"),
            panel(2, "Risk checks p95", {"type": "prometheus", "uid": "${DS}"}),
            panel(3, "Annotations", {"type": "datasource", "uid": "grafana"}, "text"),
            {"id": 4, "type": "row", "title": "Idempotency", "collapsed": False, "panels": []},
            panel(5, "Duplicate keys"),
            panel(6, "Outbox lag"),
            {
                **panel(7, "Mixed", {"type": "datasource", "uid": "-- Mixed --"}),
                "targets": [
                    {"refId": "A", "datasource": PROM, "expr": "rate(x[5m])"},
                    {"refId": "B", "datasource": PG, "rawSql": "SELECT 1"},
                ],
            },
            {
                "id": 8,
                "type": "row",
                "title": "PITR",
                "collapsed": True,
                "panels": [
                    panel(9, "Last base backup", PG, "stat"),
                    panel(10, "WAL archive lag", PG),
                    panel(11, "Restore test age", PG, "stat"),
                    panel(12, "Backup size"),
                ],
            },
        ],
    },
    "meta": {
        "type": "db",
        "canSave": False,
        "canEdit": False,
        "slug": "risk-idempotency-pitr",
        "url": f"/d/{UID}/risk-idempotency-pitr",
        "isStarred": False,
        "folderUid": "l3KqBxCMz",
        "folderTitle": "Deploy",
        "provisioned": True,
        "version": 7,
    },
}


@pytest.fixture
def grafana(http_server: HttpTestServer) -> HttpTestServer:
    http_server.route(
        "GET", f"/api/dashboards/uid/{UID}",
        handler=lambda r: _authorized(r.headers, DASHBOARD),
    )  # fmt: skip
    http_server.route(
        "GET", "/api/datasources/uid/prom-main/health",
        body={"status": "OK", "message": "Successfully queried the Prometheus API."},
    )  # fmt: skip
    http_server.route(
        "GET", "/api/datasources/uid/pg-backups/health", status=400,
        body={"status": "ERROR", "message": "dial tcp 127.0.0.1:5432: connect: connection refused"},
    )  # fmt: skip
    http_server.route(
        "GET", "/api/dashboards/uid/nope", status=404, body={"message": "Dashboard not found"}
    )
    # `${DS}` (a prometheus variable without a current value) resolves to the default source.
    http_server.route("GET", "/api/datasources", body=[
        {"uid": "prom-main", "name": "Prometheus", "type": "prometheus", "isDefault": True},
        {"uid": "pg-backups", "name": "Backups", "type": "grafana-postgresql-datasource"},
    ])  # fmt: skip
    return http_server


def _authorized(headers: dict[str, str], body: dict[str, Any]) -> Reply:
    if headers.get("authorization") != f"Bearer {TOKEN}":
        return Reply(401, body={"message": "invalid API key", "traceID": ""})
    return Reply(200, body=body)


def probe(server: HttpTestServer, **fields: Any) -> Any:
    return spec(kind="grafana_dashboard", url=server.url, uid=UID, token=TOKEN, **fields)


def test_panels_inside_rows_are_counted_and_rows_are_not() -> None:
    titles = [p["title"] for p in iter_panels(DASHBOARD["dashboard"])]
    assert len(titles) == 10
    assert "PITR" not in titles and "Idempotency" not in titles
    assert "Backup size" in titles


async def test_accessible_with_enough_panels(grafana: HttpTestServer) -> None:
    result = await arun_engine(probe(grafana, panels=">= 10"), context(), secrets=(TOKEN,))
    assert result.status is Status.PASS
    assert (result.value, result.detail) == (
        "10 panels",
        "Risk, idempotency & PITR: 10 panels (6 top level, 4 in 1 collapsed row)",
    )
    assert result.expected == "accessible, panels >= 10"
    assert result.source == f"{grafana.url}/api/dashboards/uid/{UID}"
    assert grafana.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in repr(result)


async def test_wrong_panel_count_fails(grafana: HttpTestServer) -> None:
    result = await arun_engine(probe(grafana, panels="== 11"), context())
    assert (result.status, result.detail) == (
        Status.FAIL,
        "10 panels, expected == 11 (found: Order rate, Risk checks p95, Annotations, "
        "Duplicate keys, Outbox lag and 5 more)",
    )


async def test_datasource_health(grafana: HttpTestServer) -> None:
    result = await arun_engine(probe(grafana, datasources_healthy=True), context())
    assert result.status is Status.FAIL
    assert result.value == "10 panels, 1/2 sources ok"
    assert result.detail == (
        "1 data source unhealthy: pg-backups (400 dial tcp 127.0.0.1:5432: connect: connection "
        "refused)"
    )
    checked = sorted(r.path for r in grafana.requests if r.path.endswith("/health"))
    assert checked == [
        "/api/datasources/uid/pg-backups/health",
        "/api/datasources/uid/prom-main/health",
    ]
    grafana.route("GET", "/api/datasources/uid/pg-backups/health", body={"status": "OK"})
    healthy = await arun_engine(probe(grafana, datasources_healthy=True), context())
    assert (healthy.status, healthy.value) == (Status.PASS, "10 panels, 2/2 sources ok")


async def test_named_datasources_are_asked_alongside_the_dashboard(
    grafana: HttpTestServer,
) -> None:
    """Named sources: one round trip (the dashboard answers only once their health is asked)."""
    asked = threading.Event()

    def dashboard(request: RecordedRequest) -> Reply:
        if not asked.wait(3):
            return Reply(503, body={"message": "health asked only after the dashboard"})
        return _authorized(request.headers, DASHBOARD)

    def health(request: RecordedRequest) -> Reply:
        asked.set()
        return Reply(200, body={"status": "OK"})

    grafana.route("GET", f"/api/dashboards/uid/{UID}", handler=dashboard)
    grafana.route("GET", "/api/datasources/uid/prom-main/health", handler=health)
    grafana.route("GET", "/api/datasources/uid/pg-backups/health", handler=health)
    named = ["prom-main", "pg-backups"]
    result = await arun_engine(
        probe(grafana, datasources=named, datasources_healthy=True), context()
    )
    assert (result.status, result.value) == (Status.PASS, "10 panels, 2/2 sources ok")
    assert result.expected == "accessible, data sources healthy"
    assert sum(r.path.endswith("/health") for r in grafana.requests) == 2


async def test_sources_the_panels_use_but_not_named_are_still_checked(
    grafana: HttpTestServer,
) -> None:
    result = await arun_engine(
        probe(grafana, datasources=["prom-main"], datasources_healthy=True), context()
    )
    assert (result.status, result.value) == (Status.FAIL, "10 panels, 1/2 sources ok")
    assert result.detail.startswith("1 data source unhealthy: pg-backups (400 ")


async def test_a_named_source_must_be_healthy_even_if_no_panel_uses_it(
    grafana: HttpTestServer,
) -> None:
    grafana.route("GET", "/api/datasources/uid/loki-logs/health", status=404,
                  body={"message": "Data source not found"})  # fmt: skip
    result = await arun_engine(probe(grafana, datasources=["loki-logs"]), context())
    assert (result.status, result.value) == (Status.FAIL, "10 panels, 0/1 sources ok")
    assert result.detail == (
        "1 data source unhealthy: loki-logs (no data source with this uid (the server has: "
        "prom-main, pg-backups))"
    )
    checked = [r.path for r in grafana.requests if r.path.endswith("/health")]
    assert checked == ["/api/datasources/uid/loki-logs/health"]


async def test_bad_token_and_missing_dashboard(grafana: HttpTestServer) -> None:
    refused = await arun_engine(
        spec(kind="grafana_dashboard", url=grafana.url, uid=UID, token="wrong-token"), context()
    )
    assert refused.status is Status.ERROR
    assert refused.detail == (
        f"Grafana 401: token refused or lacks access to dashboard {UID} (invalid API key)"
    )
    missing = await arun_engine(
        spec(kind="grafana_dashboard", url=grafana.url, uid="nope", token=TOKEN), context()
    )
    # This server has no search route either: the dashboard route may not exist here.
    assert (missing.status, missing.detail) == (
        Status.ERROR,
        "Grafana 404: no dashboard with uid nope, or the dashboard route does not exist on "
        f"this server (its /api/search answered 404 too: is {grafana.url} Grafana's base URL?)",
    )


async def test_not_a_dashboard(grafana: HttpTestServer) -> None:
    broken = copy.deepcopy(DASHBOARD)
    del broken["dashboard"]
    grafana.route("GET", f"/api/dashboards/uid/{UID}", body=broken)
    result = await arun_engine(probe(grafana), context())
    assert (result.status, result.detail) == (
        Status.ERROR,
        "Grafana answer has no 'dashboard' object",
    )


def test_spec_validation() -> None:
    with pytest.raises(ValidationError):
        spec(kind="grafana_dashboard", url="http://x", uid="../../api/admin")
    with pytest.raises(ValidationError):
        spec(kind="grafana_dashboard", url="http://x", uid="a", panels="lots")
    with pytest.raises(ValidationError):
        spec(kind="grafana_dashboard", url="http://x", uid="a", datasources=["../admin"])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Metrics", Reference("name", "Metrics")),
        ("$ds_prometheus", Reference("variable", "ds_prometheus")),
        ("${DS_PROMETHEUS}", Reference("variable", "DS_PROMETHEUS")),
        ("${DS:raw}", Reference("variable", "DS")),
        ("[[datasource]]", Reference("variable", "datasource")),
        ({"type": "prometheus", "uid": "${ds_prometheus}"}, Reference("variable", "ds_prometheus")),
        ({"type": "prometheus", "uid": "prom-main"}, Reference("uid", "prom-main")),
        ({"type": "prometheus"}, Reference("default", "prometheus")),
        (None, Reference("default", "")),
        ("default", Reference("default", "")),
        ("-- Mixed --", None),
        ("-- Grafana --", None),
        ({"type": "datasource", "uid": "grafana"}, None),
        ({"type": "__expr__", "uid": "__expr__"}, None),
    ],
)
def test_every_way_grafana_has_stored_a_data_source(raw: Any, expected: Any) -> None:
    assert parse_reference(raw) == expected
