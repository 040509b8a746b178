"""A Grafana-shaped API for the demo: the risk dashboard, data source health, token checks."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from gonogo_tui.demo.flavours import Shape
from gonogo_tui.demo.scenarios import Conditions, Live, current
from gonogo_tui.demo.services import HttpServer, RecordedRequest, Reply

DASHBOARD_UID = "risk-idempotency-pitr"
"""The dashboard the seed checks."""
PROMETHEUS_SOURCE = {"type": "prometheus", "uid": "spark-prometheus"}
POSTGRES_SOURCE = {"type": "grafana-postgresql-datasource", "uid": "spark-postgres"}
_PANELS = (
    ("Order idempotency conflicts", "timeseries", PROMETHEUS_SOURCE),
    ("Duplicate submits rejected", "stat", PROMETHEUS_SOURCE),
    ("Outbox lag", "timeseries", PROMETHEUS_SOURCE),
    ("Risk limit breaches", "stat", PROMETHEUS_SOURCE),
    ("API p95 latency", "timeseries", PROMETHEUS_SOURCE),
    ("Error rate", "timeseries", PROMETHEUS_SOURCE),
    ("WAL archive lag", "timeseries", PROMETHEUS_SOURCE),
    ("Last base backup", "stat", POSTGRES_SOURCE),
    ("Last PITR drill", "stat", POSTGRES_SOURCE),
    ("Database size growth", "timeseries", POSTGRES_SOURCE),
)


def dashboard_document(panel_count: int = 10, shape: Shape | None = None) -> dict[str, Any]:
    """`GET /api/dashboards/uid/risk-idempotency-pitr` as Grafana answers it: 10 panels (the
    first `panel_count`), on the flavour's data source uids."""
    prometheus_uid, postgres_uid = (shape or Shape()).datasource_uids
    uids = {PROMETHEUS_SOURCE["uid"]: prometheus_uid, POSTGRES_SOURCE["uid"]: postgres_uid}
    panels = [
        {
            "id": number,
            "type": kind,
            "title": title,
            "datasource": {**source, "uid": uids[source["uid"]]},
            "gridPos": {"h": 8, "w": 8, "x": 8 * ((number - 1) % 3), "y": 8 * ((number - 1) // 3)},
            "targets": [{"refId": "A", "datasource": {**source, "uid": uids[source["uid"]]}}],
        }
        for number, (title, kind, source) in enumerate(_PANELS[:panel_count], start=1)
    ]
    return {
        "dashboard": {
            "id": 42,
            "uid": DASHBOARD_UID,
            "title": "Risk, idempotency & PITR",
            "tags": ["spark-trading", "go-no-go"],
            "timezone": "utc",
            "schemaVersion": 39,
            "version": 17,
            "panels": panels,
        },
        "meta": {
            "type": "db",
            "canSave": False,
            "canEdit": False,
            "slug": DASHBOARD_UID,
            "url": f"/d/{DASHBOARD_UID}/risk-idempotency-and-pitr",
            "folderTitle": "Spark Trading",
            "provisioned": True,
        },
    }


def serve_grafana(
    server: HttpServer,
    token: str,
    shape: Shape | None = None,
    conditions: Live | None = None,
) -> None:
    """Routes Grafana's API; every request needs `Authorization: Bearer <token>`.

    With the flavour's `datasource_health` off it answers like a Grafana before 9: the data
    sources are there (`/api/datasources`, `/api/datasources/uid/{uid}`), their health
    route is not (404 Not found).
    """
    shape = shape or Shape()
    sources = [
        {**source, "uid": uid, "name": uid, "id": index}
        for index, (source, uid) in enumerate(
            zip((PROMETHEUS_SOURCE, POSTGRES_SOURCE), shape.datasource_uids, strict=True), 1
        )
    ]
    healthy = set(shape.datasource_uids)
    version = "10.4.2" if shape.datasource_health else "8.5.27"

    def now() -> Conditions:
        return current(conditions) if conditions is not None else Conditions()

    def working(uid: str) -> bool:
        return uid in healthy and not (
            now().postgres_source_down and uid == shape.datasource_uids[1]
        )

    def answer(request: RecordedRequest) -> Reply:
        if request.path == "/api/health":
            return Reply(200, body={"database": "ok", "version": version})
        if not _authorized(request, token):
            return Reply(401, body={"message": "Unauthorized"})
        if request.path == f"/api/dashboards/uid/{DASHBOARD_UID}":
            return Reply(200, body=dashboard_document(now().grafana_panels, shape))
        if request.method == "POST" and request.path == "/api/ds/query":
            return _query(request, healthy, working)
        if request.path == "/api/datasources":
            return Reply(200, body=sources)
        parts = request.path.strip("/").split("/")
        if parts[:3] == ["api", "datasources", "uid"] and len(parts) == 4:
            found = [source for source in sources if source["uid"] == parts[3]]
            if found:
                return Reply(200, body=found[0])
            return Reply(404, body={"message": "Data source not found"})
        if parts[:3] == ["api", "datasources", "uid"] and parts[4:] == ["health"]:
            if not shape.datasource_health:
                return Reply(404, body={"message": "Not found"})
            if working(parts[3]):
                return Reply(200, body={"status": "OK", "message": "Data source is working"})
            if parts[3] in healthy:
                message = "dial tcp 127.0.0.1:5432: connect: connection refused"
                return Reply(400, body={"status": "ERROR", "message": message})
            return Reply(404, body={"message": "Data source not found"})
        if parts[:3] == ["api", "dashboards", "uid"]:
            return Reply(404, body={"message": "Dashboard not found"})
        return Reply(404, body={"message": "Not found"})

    server.route("*", "*", handler=answer)


def _query(request: RecordedRequest, known: set[str], working: Callable[[str], bool]) -> Reply:
    """`POST /api/ds/query`: each query's data source answers one frame, or its error."""
    try:
        queries = request.json()["queries"]
        uids = [(str(q["refId"]), str(q["datasource"]["uid"])) for q in queries]
    except (ValueError, KeyError, TypeError):
        return Reply(400, body={"message": "bad request data"})
    results: dict[str, Any] = {}
    for ref, uid in uids:
        if uid not in known:
            return Reply(404, body={"message": "Data source not found"})
        if working(uid):
            frame = {"schema": {"fields": [{"name": "value"}]}, "data": {"values": [[1]]}}
            results[ref] = {"status": 200, "frames": [frame]}
        else:
            results[ref] = {"status": 500, "error": "connection refused"}
    status = 200 if all("error" not in r for r in results.values()) else 207
    return Reply(status, body={"results": results})


def _authorized(request: RecordedRequest, token: str) -> bool:
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        credential.strip().encode(), token.encode()
    )


__all__ = ["DASHBOARD_UID", "dashboard_document", "serve_grafana"]
