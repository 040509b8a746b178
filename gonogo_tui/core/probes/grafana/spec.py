"""The `grafana_dashboard` probe: a dashboard is reachable, has its panels, its sources answer."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from gonogo_tui.core.probes.base import ProbeSpec
from gonogo_tui.core.types import Compare, Token


class GrafanaDashboardProbe(ProbeSpec):
    """Fetches `GET /api/dashboards/uid/{uid}` with a token and checks the dashboard model.

    Panels are counted as Grafana shows them, in every layout it has stored: top-level
    panels, the panels inside collapsed rows (`panels[].panels`) and pre-5.0 rows
    (`rows[].panels[]`); row panels themselves are not counted, a library panel counts once.
    With `datasources_healthy`, every data source the panels name (by uid, by name, through a
    template variable, or the default source) must pass
    `GET /api/datasources/uid/{uid}/health`. Data sources listed in `datasources` must pass
    it too; their health is asked at the same time as the dashboard, so a probe that names
    every source its panels use costs one round trip instead of two.
    """

    kind: Literal["grafana_dashboard"] = "grafana_dashboard"
    start_tier: ClassVar[int] = 0
    url: str
    """Grafana's base URL, usually `${GRAFANA_URL}` (e.g. `http://localhost:3001`)."""
    uid: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    """The dashboard's uid, e.g. `risk-idempotency-pitr`."""
    token: Token | None = None
    """A service-account token, usually `${GRAFANA_TOKEN}` (redacted)."""
    panels: Compare | None = None
    """Expected panel count, e.g. `>= 10`."""
    datasources_healthy: bool = False
    """Also require every data source used by a panel to answer its health check; a check
    that could resolve no data source is an error, never a pass."""
    datasources: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,80}$")]] = Field(
        default_factory=list
    )
    """Data source uids that must answer their health check, asked alongside the dashboard."""
    insecure: bool = False
    """Skip TLS certificate verification (off by default)."""

    secret_fields: ClassVar[tuple[str, ...]] = ("token",)

    def source(self) -> str:
        return f"{self.url.rstrip('/')}/api/dashboards/uid/{self.uid}"

    def expectation(self) -> str:
        parts = ["accessible"]
        if self.panels is not None:
            parts.append(f"panels {self.panels}")
        if self.datasources_healthy or self.datasources:
            parts.append("data sources healthy")
        return ", ".join(parts)
