"""The demo's web app and API: security headers, CSP reports, feature flags and metrics text."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from gonogo_tui.demo.flavours import Shape
from gonogo_tui.demo.scenarios import LATENCY_BUCKETS, Conditions, Live, current
from gonogo_tui.demo.services import HttpServer, RecordedRequest, Reply

FEATURE_FLAGS = {
    "FEATURE_OUTBOX": True,
    "FEATURE_BIST": True,
    "FEATURE_PAPER_TRADING": True,
    "FEATURE_EXECUTION": False,
}
"""The four critical flags of the seed and whether each is on (each can be switched off)."""

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Spark Trading (gonogo demo)</title>
<script nonce="{nonce}">window.sparkBoot = Date.now();</script></head>
<body><h1>Spark Trading</h1><p>The gonogo demo's stand-in for the web app.</p></body></html>
"""
_API_ROUTES = ("/api/orders", "/api/positions", "/api/risk/limits")
_REQUESTS_PER_ROUTE = 40_000


def security_headers(conditions: Conditions, nonce: str) -> dict[str, str]:
    """The headers the web app sends with every page: a fresh CSP nonce per response."""
    scripts = f"'nonce-{nonce}' 'strict-dynamic'" if conditions.csp_nonce else "'unsafe-inline'"
    return {
        "Content-Security-Policy": (
            f"default-src 'self'; script-src 'self' {scripts}; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
            "report-uri /api/csp-report"
        ),
        "Cross-Origin-Embedder-Policy": "require-corp",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Strict-Transport-Security": f"max-age={conditions.hsts_max_age}; includeSubDomains",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }


def serve_web_app(server: HttpServer, conditions: Live, shape: Shape | None = None) -> None:
    """Routes the web app: `GET /` with the security headers, `POST /api/csp-report` -> 204."""
    nonce_bytes = (shape or Shape()).csp_nonce_bytes

    def page(_request: RecordedRequest) -> Reply:
        nonce = secrets.token_urlsafe(nonce_bytes)
        headers = security_headers(current(conditions), nonce)
        headers["Content-Type"] = "text/html; charset=utf-8"
        return Reply(200, headers, _PAGE.format(nonce=nonce))

    def csp_report(request: RecordedRequest) -> Reply:
        kind = request.headers.get("content-type", "")
        if not kind.startswith(("application/csp-report", "application/reports+json")):
            return Reply(415, body={"error": "expected application/csp-report"})
        return Reply(204)

    server.route("GET", "/", handler=page)
    server.route("HEAD", "/", handler=page)
    server.route("POST", "/api/csp-report", handler=csp_report)


def feature_status(updated_at: datetime, untoggleable: str | None = None) -> dict[str, object]:
    """The flag service's answer: every flag listed, toggleable (but `untoggleable`), with
    its current state."""
    return {
        "flags": {
            name: {"enabled": enabled, "toggleable": name != untoggleable}
            for name, enabled in FEATURE_FLAGS.items()
        },
        "updated_at": updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def serve_api(
    server: HttpServer,
    conditions: Live,
    now: Callable[[], datetime],
    shape: Shape | None = None,
) -> None:
    """Routes the API: feature-flag status, the public metrics text and a health check."""
    started = now()

    def flags(_request: RecordedRequest) -> Reply:
        return Reply(200, body=feature_status(started, current(conditions).untoggleable_flag))

    def metrics(_request: RecordedRequest) -> Reply:
        text = metrics_text(current(conditions), shape)
        return Reply(200, {"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}, text)

    server.route("GET", "/api/features/status", handler=flags)
    server.route("GET", "/api/public/metrics.prom", handler=metrics)
    server.route("GET", "/health", body={"status": "ok"})


def _gauge(name: str, help_text: str, samples: list[tuple[str, float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    return lines + [f"{name}{labels} {value:g}" for labels, value in samples]


def metrics_text(conditions: Conditions, shape: Shape | None = None) -> str:
    """The API's Prometheus text: latency histogram, request counters, database connections,
    WebSocket staleness, CPU and memory, with the scenario's values, in the flavour's names."""
    shape = shape or Shape()
    feed = shape.staleness_label
    use = shape.utilization_gauge
    lines: list[str] = []
    lines += _latency_histogram(conditions, shape)
    if shape.route_label == "route":  # the foreign API counts requests in the histogram only
        lines += _request_counters(conditions)
    lines += _gauge(
        shape.error_gauge,
        "Share of requests answered 5xx over the last 5 minutes.",
        [("", conditions.error_ratio)],
    )
    for name, what, primary, replica in (
        (shape.connections_in_use, "Server connections in use, by pool.", 23, 7),
        (shape.connections_capacity, "Connection capacity, by pool.", 100, 50),
        (shape.connections_idle, "Open idle connections, by pool.", 12, 5),
    ):
        lines += _gauge(name, what, [('{pool="primary"}', primary), ('{pool="replica"}', replica)])
    lines += _gauge(
        shape.staleness_gauge,
        "Seconds since each feed's last message.",
        [(f'{{{feed}="prices"}}', 1.4), (f'{{{feed}="orders"}}', 0.6)],
    )
    lines += _gauge(
        use,
        "Share of the API's CPU and memory limits in use.",
        [
            ('{resource="cpu"}', conditions.cpu_ratio),
            ('{resource="memory"}', conditions.memory_ratio),
        ],
    )
    return "\n".join(lines) + "\n"


def _latency_histogram(conditions: Conditions, shape: Shape) -> list[str]:
    name, label = shape.latency_histogram, shape.route_label
    lines = [f"# HELP {name} API request latency.", f"# TYPE {name} histogram"]
    bounds = [f"{bound:g}" for bound in LATENCY_BUCKETS] + ["+Inf"]
    shares = [*conditions.latency_profile, 1.0]
    for route in _API_ROUTES:
        for bound, share in zip(bounds, shares, strict=True):
            count = round(share * _REQUESTS_PER_ROUTE)
            lines.append(f'{name}_bucket{{{label}="{route}",le="{bound}"}} {count}')
        seconds = _REQUESTS_PER_ROUTE * _mean_seconds(conditions.latency_profile)
        lines.append(f'{name}_sum{{{label}="{route}"}} {seconds:.3f}')
        lines.append(f'{name}_count{{{label}="{route}"}} {_REQUESTS_PER_ROUTE}')
    return lines


def _mean_seconds(profile: tuple[float, ...]) -> float:
    """Mean latency if each bucket's requests took its midpoint."""
    mean, below, lower = 0.0, 0.0, 0.0
    for bound, share in zip(LATENCY_BUCKETS, profile, strict=True):
        mean += (share - below) * (lower + bound) / 2
        below, lower = share, bound
    return mean


def _request_counters(conditions: Conditions) -> list[str]:
    name = "http_requests_total"
    lines = [f"# HELP {name} API requests by route and status.", f"# TYPE {name} counter"]
    errors = round(_REQUESTS_PER_ROUTE * conditions.error_ratio)
    for route in _API_ROUTES:
        lines.append(f'{name}{{route="{route}",status="200"}} {_REQUESTS_PER_ROUTE - errors}')
        lines.append(f'{name}{{route="{route}",status="500"}} {errors}')
    return lines


__all__ = [
    "FEATURE_FLAGS",
    "feature_status",
    "metrics_text",
    "security_headers",
    "serve_api",
    "serve_web_app",
]
