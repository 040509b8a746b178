"""A local server answering the parts of Grafana's HTTP API the `grafana_dashboard` probe asks.

Shapes follow Grafana's API reference: `GET /api/dashboards/uid/:uid` answers `{dashboard,
meta}` with the dashboard as it was stored; `GET /api/datasources` lists sources with `uid`,
`name`, `type`, `isDefault`; `GET /api/datasources/name/:name` and `/uid/:uid` answer one source
or 404 `{"message": "Data source not found"}`; `GET /api/datasources/uid/:uid/health` answers 200
`{"status": "OK"}` or 400 `{"status": "ERROR", "message": ...}` (versions that have the route);
`GET /api/library-elements/:uid` answers `{"result": {uid, name, kind, model}}`.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tests.servers import HttpTestServer, RecordedRequest, Reply

REAL = Path(__file__).parents[3] / "data" / "real"
"""Real samples (see tests/data/real/README.md)."""


def real_dashboard(name: str) -> dict[str, Any]:
    """A dashboard file of tests/data/real/grafana, as stored (gzip when it ends in .gz)."""
    path = REAL / "grafana" / name
    data = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    document = json.loads(data)
    assert isinstance(document, dict)
    return document


@dataclass
class Source:
    """One data source of the fake Grafana and what its health check answers."""

    uid: str
    name: str
    type: str = "prometheus"
    is_default: bool = False
    health: tuple[int, dict[str, Any]] = (
        200,
        {"status": "OK", "message": "Successfully queried the Prometheus API."},
    )

    def listed(self, number: int) -> dict[str, Any]:
        return {
            "id": number,
            "uid": self.uid,
            "orgId": 1,
            "name": self.name,
            "type": self.type,
            "access": "proxy",
            "url": "http://prometheus:9090",
            "isDefault": self.is_default,
            "readOnly": False,
        }


@dataclass
class FakeGrafana:
    """Routes Grafana's API on an `HttpTestServer`; change the fields between requests."""

    server: HttpTestServer
    token: str
    dashboards: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    health_route: bool = True
    """False: answer 404 on every `/health`, as a Grafana without the route does."""
    listing_status: int = 200
    """403: a token that may not list data sources."""
    search: bool = True
    """False: no `/api/search` route (404), as a server that is not Grafana."""
    uid_route: bool = True
    """False: 404 on `/api/datasources/uid/...`, as a Grafana older than the uid routes."""
    library: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Library panel uid to its panel model (`GET /api/library-elements/:uid`)."""

    def __post_init__(self) -> None:
        self.server.route("*", "*", handler=self._answer)

    @property
    def url(self) -> str:
        return self.server.url

    def asked(self, suffix: str = "") -> list[str]:
        """Paths asked so far that end with `suffix`."""
        return [unquote(r.path) for r in self.server.requests if r.path.endswith(suffix)]

    def _answer(self, request: RecordedRequest) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, body={"message": "invalid API key"})
        parts = [unquote(part) for part in request.path.strip("/").split("/")]
        not_found = Reply(404, body={"message": "Data source not found"})
        if parts[:3] == ["api", "dashboards", "uid"] and len(parts) == 4:
            stored = self.dashboards.get(parts[3])
            if stored is None:
                return Reply(404, body={"message": "Dashboard not found"})
            meta = {"type": "db", "slug": parts[3], "url": f"/d/{parts[3]}", "version": 1}
            return Reply(200, body={"dashboard": stored, "meta": meta})
        if parts == ["api", "search"] and self.search:
            found = [
                {"uid": uid, "title": model.get("title"), "type": "dash-db"}
                for uid, model in self.dashboards.items()
            ]
            return Reply(200, body=found)
        if parts[:2] == ["api", "library-elements"] and len(parts) == 3:
            model = self.library.get(parts[2])
            if model is None:
                return Reply(404, body={"message": "library element could not be found"})
            element = {"uid": parts[2], "name": model.get("title"), "kind": 1, "model": model}
            return Reply(200, body={"result": element})
        if parts == ["api", "datasources"]:
            if self.listing_status != 200:
                return Reply(self.listing_status, body={"message": "Access denied"})
            return Reply(200, body=[s.listed(n) for n, s in enumerate(self.sources, 1)])
        if parts[:3] == ["api", "datasources", "name"] and len(parts) == 4:
            found = next((s for s in self.sources if s.name == parts[3]), None)
            return Reply(200, body=found.listed(1)) if found else not_found
        if parts[:3] == ["api", "datasources", "uid"] and not self.uid_route:
            return Reply(404, body={"message": "Not found"})
        if parts[:3] == ["api", "datasources", "uid"] and len(parts) in (4, 5):
            found = next((s for s in self.sources if s.uid == parts[3]), None)
            if len(parts) == 4:
                return Reply(200, body=found.listed(1)) if found else not_found
            if parts[4] != "health" or not self.health_route:
                return Reply(404, body={"message": "Not found"})
            if found is None:
                return not_found
            status, body = found.health
            return Reply(status, body=body)
        return Reply(404, body={"message": "Not found"})
