"""The `prometheus` probe: alerting rules, firing alerts and an instant query, over the HTTP API."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from gonogo_tui.core.probes.base import ProbeSpec
from gonogo_tui.core.types import Compare, Headers, Regex, Token


class PrometheusProbe(ProbeSpec):
    """Asks a Prometheus server about its rules, its alerts and one instant query.

    Every check that is set must hold; at least one must be set.
    """

    kind: Literal["prometheus"] = "prometheus"
    start_tier: ClassVar[int] = 0
    url: str
    """Base URL of the server, usually `${PROMETHEUS_URL}` (e.g. `http://localhost:9090`)."""
    token: Token | None = None
    """Bearer token, when the server sits behind an authenticating proxy (redacted)."""
    headers: Headers = Field(default_factory=dict)
    """Extra request headers; Authorization and token-like headers are redacted."""
    insecure: bool = False
    """Skip TLS certificate verification (off by default)."""

    alert_rules: Compare | None = None
    """How many alerting rules must be loaded, e.g. `>= 5` (`GET /api/v1/rules?type=alert`)."""
    unhealthy_rules: Literal["fail", "report"] = "fail"
    """When `alert_rules` is set: rules whose health is not `ok` (their query errors at
    evaluation) fail the check, or are only named in the detail."""

    max_firing: int | None = Field(default=None, ge=0)
    """At most this many alerts firing (`GET /api/v1/alerts`); `0` means none."""
    alert_labels: dict[str, Regex] = Field(default_factory=dict)
    """Only alerts whose labels all match count, e.g. `{severity: critical|warning}`
    (each regex must match the whole label value; a missing label is the empty string)."""
    ignore_alerts: list[str] = Field(default_factory=list)
    """Alert names never counted (e.g. the always-firing `Watchdog`)."""
    include_pending: bool = False
    """Count alerts still `pending` (inside their `for:` period) as firing too."""

    query: str | None = None
    """A PromQL instant query (`GET /api/v1/query`); every sample must satisfy `compare`."""
    compare: Compare | None = None
    """The expectation for each sample of `query`, e.g. `< 0.01`."""
    on_empty: Literal["error", "fail", "pass"] = "error"
    """What an empty query result means: `error` (no data, never a pass), `fail`, or `pass`
    for a query whose empty result is the good news (e.g. firing alerts)."""
    unit: str = ""
    """Shown after the query's value, e.g. `%` or ` ms`."""

    secret_fields: ClassVar[tuple[str, ...]] = ("token",)

    @model_validator(mode="after")
    def _some_check(self) -> PrometheusProbe:
        if (self.query is None) != (self.compare is None):
            raise ValueError("'query' and 'compare' go together")
        if self.alert_rules is None and self.max_firing is None and self.query is None:
            raise ValueError("set at least one of 'alert_rules', 'max_firing' or 'query'")
        if (self.alert_labels or self.ignore_alerts or self.include_pending) and (
            self.max_firing is None
        ):
            raise ValueError(
                "'alert_labels', 'ignore_alerts' and 'include_pending' need 'max_firing'"
            )
        return self

    def source(self) -> str:
        base = self.url.rstrip("/")
        parts = []
        if self.alert_rules is not None:
            parts.append(f"{base}/api/v1/rules")
        if self.max_firing is not None:
            parts.append(f"{base}/api/v1/alerts")
        if self.query is not None:
            parts.append(f"{base}/api/v1/query {' '.join(self.query.split())}")
        return ", ".join(parts)

    def expectation(self) -> str:
        parts = []
        if self.alert_rules is not None:
            healthy = ", all healthy" if self.unhealthy_rules == "fail" else ""
            parts.append(f"alerting rules {self.alert_rules}{healthy}")
        if self.max_firing is not None:
            scope = ""
            if self.alert_labels:
                scope = " (" + ", ".join(f"{k}=~{v}" for k, v in self.alert_labels.items()) + ")"
            parts.append(
                "no firing alerts" + scope
                if self.max_firing == 0
                else f"firing alerts <= {self.max_firing}{scope}"
            )
        if self.compare is not None:
            parts.append(f"query {self.compare}{self.unit}")
        return ", ".join(parts)
