"""Runs the `grafana_dashboard` probe over Grafana's HTTP API (httpx)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.findings import Suggestion
from gonogo_tui.core.probes._ops import (
    HttpSession,
    connect_errors,
    error_message,
    http_client,
    json_body,
    plural,
)
from gonogo_tui.core.probes.base import Observation, ProbeContext, one_line
from gonogo_tui.core.probes.grafana.found import missing_dashboard, source_suggestions
from gonogo_tui.core.probes.grafana.panels import (
    Reference,
    iter_panels,
    panel_layout,
    panel_references,
)
from gonogo_tui.core.probes.grafana.sources import Health, SourceResolver, check_health
from gonogo_tui.core.probes.grafana.spec import GrafanaDashboardProbe
from gonogo_tui.core.probes.transient import http_failure


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
            check_health(client, base, declared),
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
            raise await missing_dashboard(client, base, spec.uid)
        if response.status_code != 200:
            raise http_failure(
                response.status_code,
                response.headers,
                f"Grafana answered {response.status_code}: {error_message(response)}",
            )
        document = json_body(response, "Grafana dashboard")
        dashboard = document.get("dashboard") if isinstance(document, dict) else None
        if not isinstance(dashboard, dict):
            raise ProbeError("Grafana answer has no 'dashboard' object")
        layout = panel_layout(dashboard)
        panels = layout.panels
        title = one_line(str(dashboard.get("title") or spec.uid), 60)
        if not panels:
            raise ProbeError(
                f"{title}: 0 panels found (looked in panels[], collapsed rows and pre-5.0 "
                f"rows[]; schemaVersion {dashboard.get('schemaVersion', 'not given')})"
            )
        problems: list[str] = []
        if spec.panels is not None and not spec.panels.holds(len(panels)):
            titles = ", ".join(one_line(str(p.get("title") or p.get("id")), 40) for p in panels[:5])
            more = f" and {len(panels) - 5} more" if len(panels) > 5 else ""
            problems.append(
                f"{plural(len(panels), 'panel')}, expected {spec.panels} (found: {titles}{more})"
            )
        value = plural(len(panels), "panel")
        found = f"{title}: {layout.describe()}"
        lines = [f"layout: {layout.describe()}"]
        lines += [f"{p.get('id')}\t{_kind(p)}\t{p.get('title')}\t{_shown(p)}" for p in panels]
        suggestions: tuple[Suggestion, ...] = ()
        if spec.datasources_healthy or declared:
            sources = await _check_sources(spec, client, base, dashboard, panels, early)
            lines += sources.lines
            # A uid the checklist lists and the server lacks: the ones the panels use.
            referenced = [
                r.key for p in panels for r in panel_references(p) if r.how == "uid" and r.key
            ]
            suggestions = source_suggestions(declared, early, list(dict.fromkeys(referenced)))
            if referenced:
                lines.append("uids the panels reference: " + ", ".join(dict.fromkeys(referenced)))
            value += f", {sources.ok}/{sources.checked} sources ok"
            problems += sources.problems
            if not problems and sources.errors:
                raise ProbeError(f"{found}; " + "; ".join(sources.errors))
            if not problems:
                found += f"; {sources.summary}"
            problems += sources.errors
    detail = "; ".join(problems) or found
    return Observation(
        not problems, value, detail, "\n".join(lines), suggestions=suggestions if problems else ()
    )


@dataclass
class _SourceCheck:
    ok: int = 0
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    """Known bad: unhealthy sources, sources the dashboard names that do not exist."""
    errors: list[str] = field(default_factory=list)
    """Unknown: lookups that failed, health checks that could not be asked."""
    lines: list[str] = field(default_factory=list)
    summary: str = ""


async def _check_sources(
    spec: GrafanaDashboardProbe,
    client: HttpSession,
    base: str,
    dashboard: dict[str, Any],
    panels: list[dict[str, Any]],
    early: list[Health],
) -> _SourceCheck:
    """Resolve the sources the panels name, ask each one's health, sort what came back."""
    check = _SourceCheck()
    declared = [health.uid for health in early]
    references: list[Reference] = []
    resolver = SourceResolver(client, base, dashboard)
    if spec.datasources_healthy:
        for panel in panels:
            references += [r for r in panel_references(panel) if r not in references]
        # A library panel stored by reference keeps its queries in the library.
        library = {
            str(p["libraryPanel"].get("uid")): str(p["libraryPanel"].get("name") or "")
            for p in panels
            if isinstance(p.get("libraryPanel"), dict)
            and p["libraryPanel"].get("uid")
            and not panel_references(p)
        }
        found = await asyncio.gather(*(resolver.library_panel(uid) for uid in library))
        for (uid, name), (used, why) in zip(library.items(), found, strict=True):
            check.lines.append(f"library panel {name or uid} ({uid}): {why}")
            references += [r for r in used if r not in references]
            if not used and why != "no data source":
                check.errors.append(f"library panel {name or uid} could not be read: {why}")
    resolved = await resolver.resolve_all(references)
    check.lines += [f"datasource {r.line()}" for r in resolved]
    later = list(dict.fromkeys(r.uid for r in resolved if r.uid and r.uid not in declared))
    answers = early + await check_health(client, base, later)
    check.lines += [f"health {h.uid}: {h.why}" for h in answers]
    check.checked = len(answers)
    check.ok = sum(h.state == "ok" for h in answers)
    unresolved = [r for r in resolved if r.uid is None]
    if not answers:
        shown = "; ".join(f"{r.reference.shown()}: {r.how}" for r in unresolved[:3])
        shown = shown or "the panels name no data source"
        check.errors.append(f"no data source could be resolved: {shown}")
        return check
    bad = [h for h in answers if h.state == "unhealthy"]
    if bad:
        shown = ", ".join(f"{h.uid} ({h.why})" for h in bad[:3])
        check.problems.append(f"{plural(len(bad), 'data source')} unhealthy: {shown}")
    missing = [r for r in unresolved if r.missing]
    if missing:
        shown = ", ".join(f"{r.reference.shown()} ({r.how})" for r in missing[:3])
        check.problems.append(f"{plural(len(missing), 'data source')} not found: {shown}")
    unknown = [r for r in unresolved if not r.missing]
    if unknown:
        shown = ", ".join(f"{r.reference.shown()} ({r.how})" for r in unknown[:3])
        check.errors.append(f"could not resolve {shown}")
    unchecked = [h for h in answers if h.state == "unchecked"]
    if unchecked:
        shown = ", ".join(f"{h.uid} ({h.why})" for h in unchecked[:3])
        check.errors.append(f"health not checked for {shown}")
    by_uid = {r.uid: r for r in resolved if r.uid}
    named = [
        f"{by_uid[h.uid].reference.shown()} -> {h.uid}"
        if h.uid in by_uid and by_uid[h.uid].reference.how != "uid"
        else h.uid
        for h in answers
    ]
    check.summary = f"{plural(check.ok, 'data source')} healthy: {', '.join(named[:4])}"
    if len(named) > 4:
        check.summary += f" and {len(named) - 4} more"
    return check


def _kind(panel: dict[str, Any]) -> str:
    library = panel.get("libraryPanel")
    if isinstance(library, dict):
        return f"library panel {library.get('name') or library.get('uid')}"
    return str(panel.get("type"))


def _shown(panel: dict[str, Any]) -> str:
    return ", ".join(r.shown() for r in panel_references(panel))


__all__ = ["iter_panels", "run_grafana_probe"]
