"""A Grafana without the data source health route: a trivial query tells a working source."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from gonogo_tui.core.probes.base import Status
from gonogo_tui.demo.flavours import SHAPES, Flavour
from gonogo_tui.demo.grafana import DASHBOARD_UID, serve_grafana
from gonogo_tui.demo.scenarios import Conditions
from tests.core.probes.ops.helpers import arun_engine, context, spec
from tests.servers import HttpTestServer

TOKEN = "glsa_queryHealthToken"
FOREIGN = SHAPES[Flavour.FOREIGN]


def probe(server: HttpTestServer, **fields: Any) -> Any:
    base: dict[str, Any] = {
        "kind": "grafana_dashboard",
        "url": server.url,
        "uid": DASHBOARD_UID,
        "token": TOKEN,
        "panels": ">= 10",
        "datasources_healthy": True,
        "datasources": list(FOREIGN.datasource_uids),
    }
    return spec(**{**base, **fields})


@pytest.mark.parametrize("down", [False, True])
async def test_no_health_route_asks_a_trivial_query(
    http_server: HttpTestServer, down: bool
) -> None:
    conditions = dataclasses.replace(Conditions(), postgres_source_down=down)
    serve_grafana(http_server, TOKEN, FOREIGN, conditions)
    result = await arun_engine(probe(http_server), context(), secrets=(TOKEN,))
    queries = [r for r in http_server.requests if r.path == "/api/ds/query"]
    assert len(queries) == 2  # one per data source, once each health route answered 404
    if not down:
        assert result.status is Status.PASS, result.detail
        return
    assert result.status is Status.FAIL
    assert "pg-backups (no health route; a trivial query through /api/ds/query failed" in (
        result.detail
    )
    assert "connection refused" in result.detail


async def test_a_type_without_a_trivial_query_stays_unchecked(http_server: HttpTestServer) -> None:
    shape = dataclasses.replace(FOREIGN, datasource_uids=("prom-main", "loki-logs"))
    serve_grafana(http_server, TOKEN, shape)
    http_server.route(
        "GET",
        "/api/datasources/uid/loki-logs",
        body={"uid": "loki-logs", "type": "loki", "name": "Loki"},
    )
    result = await arun_engine(
        probe(http_server, datasources=["prom-main", "loki-logs"]), context(), secrets=(TOKEN,)
    )
    assert result.status is Status.ERROR
    assert "health not checked for loki-logs" in result.detail
