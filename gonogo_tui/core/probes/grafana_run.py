"""Runs the `grafana_dashboard` probe over Grafana's HTTP API (httpx)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes._ops import (
    HttpSession,
    connect_errors,
    error_message,
    http_client,
    json_body,
    plural,
)
from gonogo_tui.core.probes.base import Observation, ProbeContext, one_line
from gonogo_tui.core.probes.grafana import GrafanaDashboardProbe

_BUILTIN_UIDS = {"grafana", "-- Grafana --", "-- Mixed --", "-- Dashboard --"}


async def run_grafana_probe(spec: GrafanaDashboardProbe, ctx: ProbeContext) -> Observation:
    """Fetch the dashboard, count its panels, optionally ask each data source for health.

    Raises:
        ProbeError: bad token, missing dashboard, or an answer that is not a dashboard.
    """
    with connect_errors(spec.url):
        return await _run_grafana_probe(spec, ctx)


async def _run_grafana_probe(spec: GrafanaDashboardProbe, ctx: ProbeContext) -> Observation:
    base = spec.url.rstrip("/")
    async with http_client(
        ctx, insecure=spec.insecure, token=spec.token, headers={"Accept": "application/json"}
    ) as client:
        declared = list(dict.fromkeys(spec.datasources))
        # Named sources are asked at the same time as the dashboard: one round trip.
        response, early = await asyncio.gather(
            client.get(f"{base}/api/dashboards/uid/{spec.uid}"),
            _unhealthy(client, base, declared),
            return_exceptions=True,
        )
        for failure in (response, early):  # the dashboard's failure is the one to tell
            if isinstance(failure, BaseException):
                raise failure
        assert not isinstance(response, BaseException) and not isinstance(early, BaseException)
        if response.status_code in (401, 403):
            raise ProbeError(
                f"Grafana {response.status_code}: token refused or lacks access to dashboard "
                f"{spec.uid} ({error_message(response)})"
            )
        if response.status_code == 404:
            raise ProbeError(f"Grafana 404: no dashboard with uid {spec.uid}")
        if response.status_code != 200:
            raise ProbeError(f"Grafana answered {response.status_code}: {error_message(response)}")
        document = json_body(response, "Grafana dashboard")
        dashboard = document.get("dashboard") if isinstance(document, dict) else None
        if not isinstance(dashboard, dict):
            raise ProbeError("Grafana answer has no 'dashboard' object")
        panels = list(iter_panels(dashboard))
        title = one_line(str(dashboard.get("title") or spec.uid), 60)
        problems = []
        if spec.panels is not None and not spec.panels.holds(len(panels)):
            problems.append(f"{plural(len(panels), 'panel')}, expected {spec.panels}")
        value = plural(len(panels), "panel")
        lines = [f"{p.get('id')}\t{p.get('type')}\t{p.get('title')}\t{_uids(p)}" for p in panels]
        if spec.datasources_healthy or declared:
            used = sorted({uid for panel in panels for uid in _uids(panel)})
            later = [uid for uid in used if uid not in declared] if spec.datasources_healthy else []
            uids = declared + later
            unhealthy = early + await _unhealthy(client, base, later)
            lines.extend(f"datasource {uid}: {why}" for uid, why in unhealthy)
            value += f", {len(uids) - len(unhealthy)}/{len(uids)} sources ok"
            if unhealthy:
                shown = ", ".join(f"{uid} ({why})" for uid, why in unhealthy[:3])
                problems.append(f"{plural(len(unhealthy), 'data source')} unhealthy: {shown}")
    detail = "; ".join(problems) or f"{title}: {plural(len(panels), 'panel')}"
    return Observation(not problems, value, detail, "\n".join(lines))


def iter_panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel a viewer sees: top level and inside collapsed rows; rows not counted."""
    for panel in dashboard.get("panels") or []:
        if not isinstance(panel, dict):
            continue
        if panel.get("type") == "row":
            for inner in panel.get("panels") or []:
                if isinstance(inner, dict):
                    yield inner
        else:
            yield panel


def _uids(panel: dict[str, Any]) -> list[str]:
    """Data source uids of a panel and of its targets (a mixed panel names them per target)."""
    found: list[str] = []
    for holder in [panel, *(t for t in panel.get("targets") or [] if isinstance(t, dict))]:
        source = holder.get("datasource")
        uid = source.get("uid") if isinstance(source, dict) else None
        if isinstance(uid, str) and uid and uid not in _BUILTIN_UIDS and not uid.startswith("$"):
            if uid not in found:
                found.append(uid)
    return found


async def _unhealthy(client: HttpSession, base: str, uids: list[str]) -> list[tuple[str, str]]:
    async def health(uid: str) -> tuple[str, str] | None:
        response = await client.get(f"{base}/api/datasources/uid/{uid}/health")
        if response.status_code == 200:
            try:
                body = response.json()
            except ValueError:
                body = None
            status = body.get("status", "OK") if isinstance(body, dict) else "OK"
            if str(status).upper() == "OK":
                return None
        return uid, f"{response.status_code} {error_message(response)}".strip()

    results = await asyncio.gather(*(health(uid) for uid in uids))
    return [result for result in results if result is not None]


__all__ = ["iter_panels", "run_grafana_probe"]
